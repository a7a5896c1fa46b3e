// The replicator and mailbox client against a real relay process: what reaches the relay's disk
// is sealed (a canary never appears there, nor any key), a device that was away past retention
// is told, and a push whose connection dies rejects instead of hanging.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toBase64Url, toHex } from '../../src/core/bytes.ts';
import { deriveDocKeys } from '../../src/core/derive.ts';
import { MailboxClient, MailboxError, type SocketLike } from '../../src/net/mailbox.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { openReplica } from './replica.ts';

const relays: RelayProcess[] = [];
afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
});
const v1 = (r: RelayProcess) => r.signalUrl.replace('/signal', '/v1');
const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('what the relay stores', () => {
  it('never holds a message, the doc secret or any derived key in its data files or logs', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const secret = randomBytes(32);
    const keys = await deriveDocKeys(secret);
    const canary = `CANARY-${toHex(randomBytes(8))}`;
    const a = await openReplica('a', `canary-a-${Date.now()}`, keys, v1(relay));
    const b = await openReplica('b', `canary-b-${Date.now()}`, keys, v1(relay));
    for (let i = 0; i < 20; i++) a.replicator.local(() => a.doc.getArray<string>('messages').push([`${canary} ${i}`]));
    await until('b received everything', () => b.doc.getArray('messages').length === 20);
    await until('a outbox empty', async () => (await a.outbox.count()) === 0);
    await a.close();
    await b.close();
    await relay.stop(); // checkpoint the WAL into the main file as well

    const files = readdirSync(relay.dataDir).map((f) => readFileSync(join(relay.dataDir, f)));
    expect(files.length).toBeGreaterThan(0);
    const haystacks = [...files, Buffer.from(relay.logs())];
    const needles = [canary, toBase64Url(secret), toHex(secret), keys.capability, keys.webrtcPassword, toHex(keys.sealKey), toBase64Url(keys.sealKey)];
    for (const hay of haystacks) {
      for (const needle of needles) {
        expect(hay.includes(Buffer.from(needle)), `found ${needle.slice(0, 12)}…`).toBe(false);
        expect(hay.includes(Buffer.from(needle, 'utf16le'))).toBe(false);
      }
      expect(hay.includes(Buffer.from(secret))).toBe(false);
      expect(hay.includes(Buffer.from(keys.sealKey))).toBe(false);
    }
    // The room id is what the relay is meant to know, but it never writes it to its logs.
    expect(relay.logs()).not.toContain(keys.roomId);
  });
});

describe('retention', () => {
  it('tells a device that history expired before it could fetch it', async () => {
    const relay = await startRelay({ args: ['--retention-ms', '1000'] });
    relays.push(relay);
    const keys = await deriveDocKeys(randomBytes(32));
    const a = await openReplica('a', `gap-a-${Date.now()}`, keys, v1(relay));
    a.replicator.local(() => a.doc.getArray<string>('m').push(['old']));
    await until('old acknowledged', async () => (await a.outbox.count()) === 0);
    await new Promise((r) => setTimeout(r, 2500)); // the sweep runs every second here
    a.replicator.local(() => a.doc.getArray<string>('m').push(['new']));
    await until('new acknowledged', async () => (await a.outbox.count()) === 0);

    let gap = false;
    const late = await openReplica('late', `gap-late-${Date.now()}`, keys, v1(relay), [], { onGap: () => (gap = true) });
    await until('late device told of the gap', () => gap);
    expect(late.replicator.synced).toBe(true);
    await a.close();
    await late.close();
  });
});

/** A real socket whose incoming frames can be held back, to deliver them late. */
function holdingSocket(url: string) {
  const ws = new WebSocket(url) as unknown as SocketLike;
  const held: { data: unknown }[] = [];
  let holding = true;
  const proxy: SocketLike = {
    get readyState() {
      return ws.readyState;
    },
    set binaryType(t: string) {
      ws.binaryType = t;
    },
    send: (d) => ws.send(d),
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  };
  ws.onopen = (ev) => proxy.onopen?.(ev);
  ws.onclose = (ev) => proxy.onclose?.(ev);
  ws.onerror = (ev) => proxy.onerror?.(ev);
  ws.onmessage = (ev) => (holding ? held.push(ev) : proxy.onmessage?.(ev));
  return {
    proxy,
    held,
    release() {
      holding = false;
      for (const ev of held.splice(0)) proxy.onmessage?.(ev);
    },
  };
}

describe('MailboxClient', () => {
  it('ignores the welcome of a socket it already closed: a push then waits for the new connection instead of hanging unsent', async () => {
    // Found by the chaos test (seed 179206313): a device went offline and back at once; its old
    // socket's late `welcome` marked the new, still connecting socket as open, pushes were
    // dropped unsent and waited forever.
    const relay = await startRelay();
    relays.push(relay);
    const sockets: ReturnType<typeof holdingSocket>[] = [];
    const client = new MailboxClient({ url: v1(relay), makeSocket: (u) => (sockets.push(holdingSocket(u)), sockets.at(-1)!.proxy), minDelay: 50, maxDelay: 200 });
    client.start();
    await until('the first welcome arrives (held back)', () => sockets[0]!.held.length > 0);
    client.stop();
    client.start(); // a second socket, still connecting
    sockets[0]!.release(); // the old socket's welcome arrives now
    expect(client.connected).toBe(false);
    const room = toHex(randomBytes(16));
    const cap = toBase64Url(randomBytes(32));
    await expect(client.push(room, cap, Uint8Array.of(1), 'while-connecting')).rejects.toMatchObject({ code: 'disconnected' });
    sockets[1]!.release();
    await until('connected on the new socket', () => client.connected);
    await expect(client.push(room, cap, Uint8Array.of(2), 'after-welcome')).resolves.toBe(1);
    client.stop();
  });

  it('rejects a push whose connection dies instead of leaving it hanging', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const client = new MailboxClient({ url: v1(relay), makeSocket: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 50, maxDelay: 200 });
    client.start();
    await until('connected', () => client.connected);
    await expect(client.push(toHex(randomBytes(16)), toBase64Url(randomBytes(32)), new Uint8Array(0), 'abcdefgh')).rejects.toMatchObject({ code: 'bad-request' });
    const room = toHex(randomBytes(16));
    const cap = toBase64Url(randomBytes(32));
    const pushes = Array.from({ length: 50 }, (_, i) => client.push(room, cap, Uint8Array.of(i), `push-${i}-xx`).then(() => 'ack', (e: MailboxError) => e.code));
    await relay.kill('SIGKILL');
    const outcomes = await Promise.all(pushes);
    expect(outcomes.every((o) => o === 'ack' || o === 'disconnected')).toBe(true);
    await expect(client.push(room, cap, Uint8Array.of(1), 'after-kill')).rejects.toBeInstanceOf(MailboxError);
    client.stop();
  });
});
