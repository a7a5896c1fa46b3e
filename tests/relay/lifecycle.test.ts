// The relay as a process: relay-wide limits and heartbeat (on a relay started with small
// limits), clean shutdown on SIGTERM, command-line errors, and the test helper's own promises
// (restart on the same port, kill, a clear error when the relay cannot start).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { SignalClient, expectStillServing } from './signal-client.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const HEARTBEAT_MS = 300;

/** Connect, retrying while the relay has not yet noticed that earlier sockets went away. */
async function connectEventually(url: string): Promise<SignalClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await SignalClient.connect(url);
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('relay-wide limits and heartbeat', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay({
      args: ['--heartbeat-ms', String(HEARTBEAT_MS), '--max-topics', '10', '--max-subscriptions', '15', '--max-connections', '4'],
    });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('refuses the upgrade over --max-connections with 503, and accepts again once one leaves', async () => {
    const open = await Promise.all(Array.from({ length: 4 }, () => connectEventually(relay.signalUrl)));
    await expect(SignalClient.connect(relay.signalUrl)).rejects.toThrow('upgrade refused: HTTP 503');
    await open[0]?.close();
    const again = await connectEventually(relay.signalUrl);
    await again.roundTrip();
    await Promise.all([again, ...open.slice(1)].map((c) => c.close()));
  });

  it('closes the client that would exceed --max-topics with 1013, and frees topics on close', async () => {
    const a = await connectEventually(relay.signalUrl);
    const b = await connectEventually(relay.signalUrl);
    await a.subscribe(...Array.from({ length: 6 }, (_, i) => `a${i}`));
    b.send({ type: 'subscribe', topics: Array.from({ length: 5 }, (_, i) => `b${i}`) });
    expect(await b.closedWithin()).toEqual({ code: 1013, reason: 'relay at capacity' });
    await a.roundTrip();
    await a.close();
    // Had a's six topics leaked, ten new ones would not fit.
    const c = await connectEventually(relay.signalUrl);
    await c.subscribe(...Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await c.close();
  });

  it('closes the client that would exceed --max-subscriptions with 1013', async () => {
    const topics = Array.from({ length: 8 }, (_, i) => `s${i}`);
    const a = await connectEventually(relay.signalUrl);
    const b = await connectEventually(relay.signalUrl);
    await a.subscribe(...topics); // 8 subscriptions, 8 topics
    b.send({ type: 'subscribe', topics }); // 16 subscriptions, still 8 topics
    expect(await b.closedWithin()).toEqual({ code: 1013, reason: 'relay at capacity' });
    await a.close();
  });

  it('terminates a client that stops answering pings, and keeps one that answers', async () => {
    const responsive = await connectEventually(relay.signalUrl);
    const silent = new WebSocket(relay.signalUrl, { autoPong: false });
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      silent.once('open', () => resolve());
      silent.once('error', reject);
    });
    const started = Date.now();
    const code = await silentClosed;
    const elapsed = Date.now() - started;
    expect(code, 'terminated without a close frame').toBe(1006);
    expect(elapsed).toBeGreaterThanOrEqual(HEARTBEAT_MS - 50);
    expect(elapsed).toBeLessThan(HEARTBEAT_MS * 2 + 1000);
    // The pinging client lived through the same heartbeats.
    expect(responsive.ws.readyState).toBe(WebSocket.OPEN);
    await responsive.roundTrip();
    await responsive.close();
    await expectStillServing(relay.url, relay.signalUrl);
  });
});

describe('shutdown', () => {
  it('on SIGTERM closes sockets with 1001 "relay shutting down" and exits 0', async () => {
    const relay = await startRelay();
    const client = await SignalClient.connect(relay.signalUrl);
    await client.subscribe(randomUUID());
    const exit = await relay.stop();
    expect(await client.closedWithin()).toEqual({ code: 1001, reason: 'relay shutting down' });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(relay.logs()).toContain('"msg":"stopped"');
    await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow();
  });

  it('on SIGINT exits 0 as well', async () => {
    const relay = await startRelay();
    expect(await relay.kill('SIGINT')).toEqual({ code: 0, signal: null });
  });
});

describe('command line', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'relay/cli.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 15_000 });

  it.each([
    [['serve', '--port', 'eighty'], '--port must be a whole number, got "eighty"'],
    [['serve', '--no-such-flag'], 'unknown flag --no-such-flag'],
    [['--log-level', 'loud'], 'log level must be one of'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j exits 2 with a one-line reason and no stack trace', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`floe-relay: ${message}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('--help prints usage and exits 0', () => {
    const r = run('serve', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: floe-relay');
    expect(r.stdout).toContain('--max-payload');
  });
});

describe('tests/support/relay-process', () => {
  it('restarts on the same port with the same data directory', async () => {
    const first = await startRelay();
    const second = await first.restart();
    try {
      expect(second.port).toBe(first.port);
      expect(second.dataDir).toBe(first.dataDir);
      expect(second.pid).not.toBe(first.pid);
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      const third = await (async () => {
        await second.kill();
        return second.restart();
      })();
      expect(third.port).toBe(first.port);
      await expectStillServing(third.url, third.signalUrl);
      expect(await third.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      await second.stop();
    }
  });

  it('rejects with the relay output when the relay cannot start', async () => {
    await expect(startRelay({ args: ['--max-payload', 'huge'] })).rejects.toThrow(/exited before listening \(code 2[\s\S]*--max-payload must be a whole number/);
  });

  it('rejects when the port is taken, naming the cause', async () => {
    const holder = await startRelay();
    try {
      await expect(startRelay({ port: holder.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await holder.stop();
    }
  });
});
