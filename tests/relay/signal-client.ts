// A plain `ws` client for /signal integration tests: records every text frame, exposes the
// close code and reason, and offers the one "is the relay still serving others?" check that
// every hostile-input test ends with.
//
// Invariant: every wait has a timeout and rejects with what was seen, so a broken relay
// fails a test with a message instead of hanging it.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

export class SignalClient {
  readonly frames: string[] = [];
  readonly closed: Promise<Closed>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    // Errors (e.g. writing after the relay closed us) end in 'close'; nothing to do here.
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? `<binary ${String((data as Buffer).length)}>` : data.toString());
      this.wake();
    });
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<SignalClient> {
    const ws = new WebSocket(url, options);
    const client = new SignalClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolve with the index of the first frame from `from` on that matches, or reject. */
  async waitFor(match: (frame: string) => boolean, from = 0, timeoutMs = 3000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f, n) => n >= from && match(f));
      if (i >= 0) return i;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting; frames: ${this.frames.slice(from).join(' | ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; got: ${this.frames.slice(from).join(' | ').slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Ping and wait for the pong. Frames on one connection are handled in order, so once the
   * pong is here every earlier frame (a subscribe, a publish) has been processed.
   */
  async roundTrip(timeoutMs = 3000): Promise<void> {
    const from = this.frames.length;
    this.send({ type: 'ping' });
    await this.waitFor((f) => f === '{"type":"pong"}', from, timeoutMs);
  }

  async subscribe(...topics: string[]): Promise<void> {
    this.send({ type: 'subscribe', topics });
    await this.roundTrip();
  }

  async closedWithin(timeoutMs = 3000): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms; frames: ${this.frames.join(' | ').slice(0, 300)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    await this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * The relay still serves well-behaved clients: two fresh sockets round-trip a publish through
 * a fresh topic (both receive it, byte for byte), and /healthz answers 200.
 */
export async function expectStillServing(url: string, signalUrl: string): Promise<void> {
  const a = await SignalClient.connect(signalUrl);
  const b = await SignalClient.connect(signalUrl);
  try {
    const topic = `health-${randomUUID()}`;
    await a.subscribe(topic);
    await b.subscribe(topic);
    const frame = JSON.stringify({ type: 'publish', topic, data: { probe: randomUUID() } });
    const fromA = a.frames.length;
    const fromB = b.frames.length;
    a.send(frame);
    await b.waitFor((f) => f === frame, fromB);
    await a.waitFor((f) => f === frame, fromA);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok' });
}
