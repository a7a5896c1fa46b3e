// The ephemeral /v1 frame (presence and typing) against a real relay process: fanned out to the
// room's other subscribers only, only with the room's capability, never stored, rate- and
// size-limited, and hostile frames refused without harming anyone. Then the app's own client
// (MailboxClient + PresenceChannel, real sealing), and two people's PresenceHubs
// (src/app/presence.svelte.ts) with real account docs, end to end through the relay.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { PresenceHub } from '../../src/app/presence.svelte.ts';
import { AccountDoc } from '../../src/core/account-doc.ts';
import { toBase64Url, toHex } from '../../src/core/bytes.ts';
import { deriveDocKeys, type DocKeys } from '../../src/core/derive.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { AUTO_AWAY_MS, BEACON_TTL_MS, type Beacon } from '../../src/core/presence.ts';
import { EPHEMERAL_RATE, MAX_EPHEMERAL_BYTES, V1Close } from '../../src/core/protocol.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { PresenceChannel, sealBeacon } from '../../src/net/presence.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { V1Client, type Received } from './v1-client.ts';

const room = () => toHex(randomBytes(16));
const cap = () => toBase64Url(randomBytes(32));
const id = () => toBase64Url(randomBytes(12));
const isEphemeral = (f: Received) => f.header.t === 'ephemeral';
const errorOf = (c: V1Client, from: number) => c.next((f) => f.header.t === 'error', from);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let relay: RelayProcess;
let v1: string;

beforeAll(async () => {
  relay = await startRelay();
  v1 = relay.signalUrl.replace('/signal', '/v1');
});
afterAll(async () => {
  await relay?.stop();
});

async function stillServing(): Promise<void> {
  const c = await V1Client.connect(v1);
  const [r, k] = [room(), cap()];
  expect((await c.push(r, k, id(), Uint8Array.of(7))).header.t).toBe('ack');
  c.close();
}

describe('/v1 ephemeral frames', () => {
  it('reach the room’s other subscribers only, byte for byte, and are never stored', async () => {
    const [r, k, other] = [room(), cap(), room()];
    const a = await V1Client.connect(v1);
    const b = await V1Client.connect(v1);
    const c = await V1Client.connect(v1);
    await a.open(r, k);
    await b.open(r, k);
    await c.open(other, cap());
    const body = new Uint8Array(randomBytes(200));
    a.send({ t: 'ephemeral', room: r, cap: k }, body);
    const got = await b.next(isEphemeral);
    expect(got.header).toEqual({ t: 'ephemeral', room: r });
    expect([...got.body]).toEqual([...body]);
    // The sender gets no echo and another room's subscriber nothing: a ping answered after the
    // frame proves the relay handled it.
    for (const x of [a, c]) {
      const from = x.frames.length;
      x.send({ t: 'ping' });
      await x.next((f) => f.header.t === 'pong', from);
      expect(x.frames.some(isEphemeral)).toBe(false);
    }
    // Not stored: a later reader of the room finds an empty log.
    const d = await V1Client.connect(v1);
    const { entries, synced } = await d.open(r, k);
    expect(entries).toEqual([]);
    expect(synced.header).toMatchObject({ t: 'synced', head: 0 });
    for (const x of [a, b, c, d]) x.close();
  });

  it('needs the room open with its capability', async () => {
    const [r, k] = [room(), cap()];
    const member = await V1Client.connect(v1);
    expect((await member.push(r, k, id(), Uint8Array.of(1))).header.t).toBe('ack'); // registers the capability
    await member.open(r, k);
    const outsider = await V1Client.connect(v1);
    // Not opened at all, though the cap is right (it was leaked, say): refused.
    let from = outsider.frames.length;
    outsider.send({ t: 'ephemeral', room: r, cap: k }, Uint8Array.of(1));
    expect((await errorOf(outsider, from)).header).toEqual({ t: 'error', code: 'forbidden', message: 'presence frame for a room not opened with this capability' });
    // Opening with a wrong cap is refused, and so is sending with it.
    from = outsider.frames.length;
    outsider.send({ t: 'open', room: r, cap: cap(), after: 0 });
    expect((await errorOf(outsider, from)).header).toMatchObject({ code: 'forbidden' });
    from = outsider.frames.length;
    outsider.send({ t: 'ephemeral', room: r, cap: cap() }, Uint8Array.of(1));
    expect((await errorOf(outsider, from)).header).toMatchObject({ code: 'forbidden' });
    // A member that opened the room but names another cap in the frame: refused too.
    from = member.frames.length;
    member.send({ t: 'ephemeral', room: r, cap: cap() }, Uint8Array.of(1));
    expect((await errorOf(member, from)).header).toMatchObject({ code: 'forbidden' });
    // After `close`, the room's frames are no longer accepted from this connection.
    member.send({ t: 'close', room: r });
    from = member.frames.length;
    member.send({ t: 'ephemeral', room: r, cap: k }, Uint8Array.of(1));
    expect((await errorOf(member, from)).header).toMatchObject({ code: 'forbidden' });
    expect(member.frames.some(isEphemeral) || outsider.frames.some(isEphemeral)).toBe(false);
    member.close();
    outsider.close();
  });

  it('goes only to connections that opened the room with the same capability (a room nobody pushed to)', async () => {
    const [r, k] = [room(), cap()];
    const a = await V1Client.connect(v1);
    const b = await V1Client.connect(v1);
    const stranger = await V1Client.connect(v1);
    await a.open(r, k);
    await b.open(r, k);
    const strangerCap = cap();
    await stranger.open(r, strangerCap); // allowed: the room has no capability registered yet
    stranger.send({ t: 'ephemeral', room: r, cap: strangerCap }, Uint8Array.of(9));
    a.send({ t: 'ephemeral', room: r, cap: k }, Uint8Array.of(1));
    await b.next(isEphemeral);
    const from = stranger.frames.length;
    stranger.send({ t: 'ping' });
    await stranger.next((f) => f.header.t === 'pong', from);
    expect(stranger.frames.some(isEphemeral)).toBe(false);
    expect(b.frames.filter(isEphemeral).map((f) => [...f.body])).toEqual([[1]]);
    for (const x of [a, b, stranger]) x.close();
  });

  it('refuses empty and oversized bodies, rate-limits floods, and stays up for everyone', async () => {
    const [r, k] = [room(), cap()];
    const a = await V1Client.connect(v1);
    const b = await V1Client.connect(v1);
    await a.open(r, k);
    await b.open(r, k);
    let from = a.frames.length;
    a.send({ t: 'ephemeral', room: r, cap: k });
    expect((await errorOf(a, from)).header).toMatchObject({ code: 'bad-request' });
    from = a.frames.length;
    a.send({ t: 'ephemeral', room: r, cap: k }, new Uint8Array(MAX_EPHEMERAL_BYTES + 1));
    expect((await errorOf(a, from)).header).toMatchObject({ code: 'too-large' });
    expect(b.frames.some(isEphemeral)).toBe(false);

    // A flood: the burst passes, the rest is refused with rate-limited; the socket stays open.
    const flood = EPHEMERAL_RATE.burst + 100;
    from = a.frames.length;
    for (let i = 0; i < flood; i++) a.send({ t: 'ephemeral', room: r, cap: k }, Uint8Array.of(i & 0xff));
    a.send({ t: 'ping' });
    await a.next((f) => f.header.t === 'pong', from);
    const limited = a.frames.slice(from).filter((f) => f.header.t === 'error' && f.header.code === 'rate-limited').length;
    expect(limited).toBeGreaterThanOrEqual(flood - EPHEMERAL_RATE.burst - 20); // a few tokens refill meanwhile
    await sleep(300);
    const delivered = b.frames.filter(isEphemeral).length;
    expect(delivered).toBe(flood - limited);
    expect(a.closed).toBeNull();

    // A malformed ephemeral header (no cap) closes only that socket.
    const bad = await V1Client.connect(v1);
    bad.send({ t: 'ephemeral', room: r } as never, Uint8Array.of(1));
    expect((await bad.waitClosed()).code).toBe(V1Close.malformed);
    await stillServing();
    a.close();
    b.close();
  });
});

describe('presence through the relay with the app’s client', () => {
  it('seals, fans out and opens a beacon; junk is counted and dropped', async () => {
    const keys = await deriveDocKeys(new Uint8Array(randomBytes(32)));
    const makeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;
    const alice = new MailboxClient({ url: v1, makeSocket });
    const bob = new MailboxClient({ url: v1, makeSocket });
    const noop = { cursor: () => 0, entry: async () => undefined, synced: async () => undefined };
    const heard: Beacon[] = [];
    const synced = (m: MailboxClient) =>
      new Promise<void>((resolve) => m.open(keys.roomId, keys.capability, { ...noop, synced: async () => resolve() }));
    alice.start();
    bob.start();
    await Promise.all([synced(alice), synced(bob)]);
    const aliceChannel = new PresenceChannel(alice, keys, () => undefined);
    const bobChannel = new PresenceChannel(bob, keys, (b) => heard.push(b));
    const beacon: Beacon = { v: 1, account: 'A'.repeat(43) as AccountId, status: 'busy', message: 'in a meeting', at: Date.now(), ttl: BEACON_TTL_MS };
    await aliceChannel.send(beacon);
    for (let i = 0; i < 100 && heard.length === 0; i++) await sleep(50);
    expect(heard).toEqual([beacon]);

    // Sealed under another room's key, or not sealed at all: dropped, counted.
    const otherKeys = await deriveDocKeys(new Uint8Array(randomBytes(32)));
    alice.sendEphemeral(keys.roomId, keys.capability, await sealBeacon(otherKeys, beacon));
    alice.sendEphemeral(keys.roomId, keys.capability, new TextEncoder().encode(JSON.stringify(beacon)));
    for (let i = 0; i < 100 && bobChannel.rejected < 2; i++) await sleep(50);
    expect(bobChannel.rejected).toBe(2);
    expect(heard).toHaveLength(1);
    aliceChannel.close();
    bobChannel.close();
    alice.stop();
    bob.stop();
  });
});

async function eventually<T>(what: string, probe: () => T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(25);
  }
}

interface Person {
  account: AccountId;
  hub: PresenceHub;
  mailbox: MailboxClient;
  clock: { offset: number };
  /** The person's account doc (their devices share it). */
  doc: Y.Doc;
}

async function person(tag: string, keys: DocKeys, doc = new Y.Doc()): Promise<Person> {
  const account = tag.padEnd(43, 'A') as AccountId;
  const mailbox = new MailboxClient({ url: v1, makeSocket: (url) => new WebSocket(url) as unknown as SocketLike });
  mailbox.start();
  await new Promise<void>((resolve) =>
    mailbox.open(keys.roomId, keys.capability, { cursor: () => 0, entry: async () => undefined, synced: async () => resolve() }),
  );
  const clock = { offset: 0 };
  const hub = new PresenceHub({ me: account, account: new AccountDoc(doc), mailbox, now: () => Date.now() + clock.offset, idleCheckMs: 100 });
  hub.attach(keys.roomId, keys);
  return { account, hub, mailbox, clock, doc };
}

describe('PresenceHub through the relay', () => {
  it('shows status, message, typing, auto-away; Invisible sends nothing and looks Offline', async () => {
    const keys = await deriveDocKeys(new Uint8Array(randomBytes(32)));
    // Register the room's capability the way the app does (its first push).
    const setup = await V1Client.connect(v1);
    await setup.push(keys.roomId, keys.capability, randomBytes(12).toString('base64url'), Uint8Array.of(1));
    const alice = await person('alice', keys);
    const bob = await person('bob', keys);
    const room = keys.roomId;
    // Bob learns Alice is online from her first beacon (or her answer to his).
    await eventually('Alice online', () => bob.hub.statusOf(alice.account).status, (s) => s === 'online');

    alice.hub.setStatus('busy');
    alice.hub.setMessage('  in a meeting  ');
    await eventually('Alice busy with message', () => bob.hub.statusOf(alice.account), (p) => p.status === 'busy' && p.message === 'in a meeting');

    alice.hub.keystroke(room);
    await eventually('typing', () => bob.hub.typingIn(room, [alice.account]), (t) => t.length === 1);
    alice.hub.sent(room);
    await eventually('typing cleared', () => bob.hub.typingIn(room, [alice.account]), (t) => t.length === 0);

    // Auto-away: five minutes without input (Alice's clock jumps), then back on activity.
    alice.hub.setStatus('online');
    alice.clock.offset = AUTO_AWAY_MS;
    await eventually('auto away', () => bob.hub.statusOf(alice.account).status, (s) => s === 'away');
    expect(alice.hub.own).toBe('away');
    expect(alice.hub.chosen).toBe('online');
    alice.hub.activity();
    await eventually('back online', () => bob.hub.statusOf(alice.account).status, (s) => s === 'online');

    // "Show when I was last seen" off: Alice's beacons stop carrying it.
    expect(bob.hub.statusOf(alice.account).lastSeen).toBeGreaterThan(0);
    alice.hub.setShowLastSeen(false);
    await eventually('no last seen', () => bob.hub.statusOf(alice.account), (p) => p.status === 'online' && p.lastSeen === undefined);

    // Invisible: one goodbye, then silence, whatever Alice does.
    const watcher = await V1Client.connect(v1);
    await watcher.open(room, keys.capability);
    alice.hub.setStatus('invisible');
    await eventually('Alice offline', () => bob.hub.statusOf(alice.account).status, (s) => s === 'offline');
    await sleep(300);
    const before = watcher.frames.filter((f) => f.header.t === 'ephemeral').length;
    alice.hub.keystroke(room);
    alice.hub.setMessage('secret');
    alice.hub.activity();
    bob.hub.setStatus('away'); // Bob's beacon would normally prompt an answer from a newcomer
    await eventually('Bob away', () => alice.hub.statusOf(bob.account).status, (s) => s === 'away');
    await sleep(500);
    const fromAlice = watcher.frames.filter((f) => f.header.t === 'ephemeral').length - before;
    expect(fromAlice).toBe(1); // Bob's one beacon; nothing from Alice
    expect(bob.hub.typingIn(room, [alice.account])).toEqual([]);
    expect(bob.hub.statusOf(alice.account).status).toBe('offline');

    // Bob's status lives in his account doc: his second device follows a change made on the first.
    const bobDoc = bob.doc;
    const secondDoc = new Y.Doc();
    Y.applyUpdate(secondDoc, Y.encodeStateAsUpdate(bobDoc));
    const bob2 = await person('bob', keys, secondDoc);
    bobDoc.on('update', (u: Uint8Array) => Y.applyUpdate(secondDoc, u));
    secondDoc.on('update', () => bob2.hub.syncSettings()); // as Session does on every account doc update
    expect(bob2.hub.chosen).toBe('away');
    bob.hub.setStatus('busy');
    bob.hub.setMessage('on a call');
    expect([bob2.hub.chosen, bob2.hub.message]).toEqual(['busy', 'on a call']);

    for (const p of [alice, bob, bob2]) {
      p.hub.close();
      p.mailbox.stop();
    }
    watcher.close();
    setup.close();
  });
});
