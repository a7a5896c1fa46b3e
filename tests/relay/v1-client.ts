// A raw /v1 client for protocol-level tests: sends frames exactly as given and records every
// frame and the close code, so tests can assert on what the relay answered.
import WebSocket from 'ws';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION, type ClientHeader, type ServerHeader } from '../../src/core/protocol.ts';

export interface Received {
  header: ServerHeader;
  body: Uint8Array;
}

export class V1Client {
  readonly frames: Received[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) throw new Error('relay sent a text frame on /v1');
      const d = decodeServerFrame(new Uint8Array(data));
      if (!d.ok) throw new Error(`relay sent an undecodable frame: ${d.reason}`);
      this.frames.push({ header: d.frame.header, body: new Uint8Array(d.frame.body) });
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async connect(url: string, greet = true): Promise<V1Client> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new V1Client(ws);
    if (greet) {
      c.send({ t: 'hello', v: PROTOCOL_VERSION, agent: 'test' });
      await c.next((f) => f.header.t === 'welcome');
    }
    return c;
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  send(header: ClientHeader, body?: Uint8Array): void {
    this.ws.send(encodeFrame(header, body));
  }

  sendRaw(data: Uint8Array | string, binary = true): void {
    this.ws.send(data, { binary });
  }

  /** The first frame from index `from` that matches, waiting up to `ms`. */
  async next(match: (f: Received) => boolean, from = 0, ms = 10_000): Promise<Received> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.frames.slice(from).find(match);
      if (hit) return hit;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      if (Date.now() > deadline) throw new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(this.frames.map((f) => f.header))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.add(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async waitClosed(ms = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket not closed');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  /** Opens a room and collects its catch-up until `synced`. */
  async open(room: string, cap: string, after = 0): Promise<{ entries: Received[]; synced: Received }> {
    const from = this.frames.length;
    this.send({ t: 'open', room, cap, after });
    const synced = await this.next((f) => (f.header.t === 'synced' || f.header.t === 'error') && 'room' in f.header && f.header.room === room, from);
    const entries = this.frames.slice(from).filter((f) => f.header.t === 'entry' && f.header.room === room && this.frames.indexOf(f) < this.frames.indexOf(synced));
    return { entries, synced };
  }

  async push(room: string, cap: string, id: string, body: Uint8Array): Promise<Received> {
    const from = this.frames.length;
    this.send({ t: 'push', room, cap, id }, body);
    return this.next((f) => (f.header.t === 'ack' || f.header.t === 'error') && 'id' in f.header && f.header.id === id, from);
  }

  close(): void {
    this.ws.close();
  }
}
