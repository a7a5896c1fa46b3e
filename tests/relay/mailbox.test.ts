// The /v1 mailbox against a real relay process with a real SQLite file: handshake, capability,
// catch-up and live delivery, replays, limits, malformed frames, durability across SIGKILL and
// retention. Every hostile case is followed by proof that a well-behaved client is still served.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url, toHex } from '../../src/core/bytes.ts';
import { capabilityHash } from '../../src/core/derive.ts';
import { V1Close } from '../../src/core/protocol.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { V1Client } from './v1-client.ts';

const room = () => toHex(randomBytes(16));
const cap = () => toBase64Url(randomBytes(32));
const id = () => toBase64Url(randomBytes(12));

let relay: RelayProcess;
let v1: string;

beforeAll(async () => {
  relay = await startRelay({ args: ['--max-update', '4096', '--max-snapshot', '65536', '--v1-byte-burst', '65536'] });
  v1 = relay.signalUrl.replace('/signal', '/v1');
});
afterAll(async () => {
  await relay?.stop();
});

/** A fresh client can still push and read: the relay is unharmed. */
async function stillServing(): Promise<void> {
  const c = await V1Client.connect(v1);
  const [r, k] = [room(), cap()];
  const ack = await c.push(r, k, id(), Uint8Array.of(1, 2, 3));
  expect(ack.header.t).toBe('ack');
  const { entries } = await c.open(r, k);
  expect(entries.map((e) => [...e.body])).toEqual([[1, 2, 3]]);
  c.close();
}

describe('/v1 handshake', () => {
  it('welcomes a client of this version with the relay limits', async () => {
    const c = await V1Client.connect(v1, false);
    c.send({ t: 'hello', v: 1, agent: 'test' });
    const w = await c.next((f) => f.header.t === 'welcome');
    expect(w.header).toMatchObject({ t: 'welcome', v: 1, maxUpdateBytes: 4096 });
    c.close();
  });

  it('closes 4000 for another version, 4001 before hello, 1003 on text, 1007 on garbage', async () => {
    const cases: [string, (c: V1Client) => void, number][] = [
      ['version', (c) => c.send({ t: 'hello', v: 99, agent: 'x' }), V1Close.unsupportedVersion],
      ['no hello', (c) => c.send({ t: 'ping' }), V1Close.handshakeRequired],
      ['text', (c) => c.sendRaw('{"t":"hello","v":1}', false), V1Close.textFrame],
      ['garbage', (c) => c.sendRaw(Uint8Array.of(5, 1, 2)), V1Close.malformed],
      ['not json', (c) => c.sendRaw(Uint8Array.of(2, 0x7b, 0x7b)), V1Close.malformed],
      ['bad schema', (c) => c.sendRaw(new TextEncoder().encode('\x0c{"t":"open"}')), V1Close.malformed],
    ];
    for (const [name, act, code] of cases) {
      const c = await V1Client.connect(v1, name === 'bad schema' || name === 'garbage' || name === 'not json');
      act(c);
      expect((await c.waitClosed()).code, name).toBe(code);
    }
    await stillServing();
  });
});

describe('/v1 mailbox', () => {
  it('keeps pushes in order, catches up a late reader and delivers live entries', async () => {
    const [r, k] = [room(), cap()];
    const a = await V1Client.connect(v1);
    const acks = [];
    for (let i = 1; i <= 3; i++) acks.push(await a.push(r, k, id(), Uint8Array.of(i)));
    expect(acks.map((x) => x.header.t === 'ack' && x.header.seq)).toEqual([1, 2, 3]);

    const b = await V1Client.connect(v1);
    const { entries, synced } = await b.open(r, k, 1);
    expect(entries.map((e) => e.header.t === 'entry' && e.header.seq)).toEqual([2, 3]);
    expect(synced.header).toMatchObject({ t: 'synced', head: 3, gap: false });

    const from = b.frames.length;
    await a.push(r, k, id(), Uint8Array.of(4));
    const live = await b.next((f) => f.header.t === 'entry', from);
    expect(live.header).toMatchObject({ seq: 4 });
    expect([...live.body]).toEqual([4]);
    a.close();
    b.close();
  });

  it('stores pipelined pushes of one connection in the order they were sent', async () => {
    const [r, k] = [room(), cap()];
    const c = await V1Client.connect(v1);
    const ids = Array.from({ length: 300 }, () => id());
    ids.forEach((p, i) => c.send({ t: 'push', room: r, cap: k, id: p }, Uint8Array.of(i & 0xff, i >> 8)));
    const last = ids.at(-1)!;
    await c.next((f) => f.header.t === 'ack' && f.header.id === last);
    const seqOf = new Map(c.frames.filter((f) => f.header.t === 'ack').map((f) => [(f.header as { id: string }).id, (f.header as { seq: number }).seq]));
    expect(ids.map((p) => seqOf.get(p))).toEqual(ids.map((_, i) => i + 1));
    c.close();
  });

  it('without the capability nobody can read or append, and nothing changes', async () => {
    const [r, k] = [room(), cap()];
    const a = await V1Client.connect(v1);
    await a.push(r, k, id(), Uint8Array.of(7));
    const evil = await V1Client.connect(v1);
    const opened = await evil.open(r, cap());
    expect(opened.synced.header).toMatchObject({ t: 'error', code: 'forbidden' });
    expect(opened.entries).toEqual([]);
    const pushed = await evil.push(r, cap(), id(), Uint8Array.of(66));
    expect(pushed.header).toMatchObject({ t: 'error', code: 'forbidden' });
    const { entries } = await a.open(r, k);
    expect(entries.map((e) => [...e.body])).toEqual([[7]]);
    await stillServing();
  });

  it('answers a replayed push with the same seq and refuses a reused id with other bytes', async () => {
    const [r, k, p] = [room(), cap(), id()];
    const c = await V1Client.connect(v1);
    const first = await c.push(r, k, p, Uint8Array.of(1));
    const again = await c.push(r, k, p, Uint8Array.of(1));
    expect(again.header).toEqual(first.header);
    const other = await c.push(r, k, p, Uint8Array.of(2));
    expect(other.header).toMatchObject({ t: 'error', code: 'conflict', id: p });
    const { entries } = await c.open(r, k);
    expect(entries).toHaveLength(1);
    c.close();
  });

  it('refuses oversized updates with a typed error, and closes 1009 on oversized frames', async () => {
    const [r, k] = [room(), cap()];
    const c = await V1Client.connect(v1);
    const big = await c.push(r, k, id(), new Uint8Array(4097));
    expect(big.header).toMatchObject({ t: 'error', code: 'too-large' });
    const empty = await c.push(r, k, id(), new Uint8Array(0));
    expect(empty.header).toMatchObject({ t: 'error', code: 'bad-request' });
    c.sendRaw(new Uint8Array(70_000));
    expect((await c.waitClosed()).code).toBe(V1Close.tooBig);
    await stillServing();
  });

  it('replaces a log with a snapshot, which late readers get instead of the old entries', async () => {
    const [r, k] = [room(), cap()];
    const c = await V1Client.connect(v1);
    for (let i = 0; i < 5; i++) await c.push(r, k, id(), Uint8Array.of(i));
    const from = c.frames.length;
    const p = id();
    c.send({ t: 'compact', room: r, cap: k, id: p, upto: 5 }, Uint8Array.of(9, 9));
    const ack = await c.next((f) => 'id' in f.header && f.header.id === p, from);
    expect(ack.header).toMatchObject({ t: 'ack', seq: 6 });
    const late = await V1Client.connect(v1);
    const { entries, synced } = await late.open(r, k);
    expect(entries.map((e) => e.header)).toEqual([{ t: 'entry', room: r, seq: 6, kind: 'snapshot' }]);
    expect(synced.header).toMatchObject({ head: 6, gap: false });
  });

  it('stores only the capability hash and sealed bytes', async () => {
    const [r, k] = [room(), cap()];
    const c = await V1Client.connect(v1);
    await c.push(r, k, id(), new TextEncoder().encode('opaque-bytes'));
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = readdirSync(relay.dataDir).map((f) => readFileSync(`${relay.dataDir}/${f}`).toString('latin1')).join('');
    expect(files).not.toContain(k);
    expect(files).toContain(await capabilityHash(k));
  });
});

describe('/v1 durability and retention', () => {
  it('loses nothing it acknowledged when killed with SIGKILL', async () => {
    const r1 = await startRelay();
    const url = r1.signalUrl.replace('/signal', '/v1');
    const [r, k] = [room(), cap()];
    const c = await V1Client.connect(url);
    const acked: number[] = [];
    const sends = Array.from({ length: 200 }, (_, i) => {
      const p = id();
      c.send({ t: 'push', room: r, cap: k, id: p }, Uint8Array.of(i & 0xff, i >> 8));
      return p;
    });
    // Kill as soon as some acks are in, while more are being written.
    await c.next((f) => f.header.t === 'ack' && f.header.seq >= 20);
    await r1.kill('SIGKILL');
    for (const f of c.frames) if (f.header.t === 'ack') acked.push(f.header.seq);
    expect(sends.length).toBe(200);
    const r2 = await r1.restart();
    const reader = await V1Client.connect(r2.signalUrl.replace('/signal', '/v1'));
    const { entries } = await reader.open(r, k);
    const stored = new Set(entries.map((e) => e.header.t === 'entry' && e.header.seq));
    for (const seq of acked) expect(stored.has(seq), `acknowledged seq ${seq}`).toBe(true);
    reader.close();
    await r2.stop();
  });

  it('deletes entries past retention and tells a reader that history is missing', async () => {
    const r1 = await startRelay({ args: ['--retention-ms', '1000'] });
    const url = r1.signalUrl.replace('/signal', '/v1');
    const [r, k] = [room(), cap()];
    const c = await V1Client.connect(url);
    await c.push(r, k, id(), Uint8Array.of(1));
    await new Promise((res) => setTimeout(res, 1500));
    await c.push(r, k, id(), Uint8Array.of(2)); // a fresh entry survives the sweep
    let synced;
    const deadline = Date.now() + 10_000;
    do {
      const reader = await V1Client.connect(url);
      synced = await reader.open(r, k);
      reader.close();
      if (synced.synced.header.t === 'synced' && synced.synced.header.gap) break;
      await new Promise((res) => setTimeout(res, 200));
    } while (Date.now() < deadline);
    expect(synced.synced.header).toMatchObject({ t: 'synced', head: 2, gap: true });
    expect(synced.entries.map((e) => [...e.body])).toEqual([[2]]);
    await r1.stop();
  });
});
