// The coin ledger over /v1 against a real relay process with a real SQLite file: minting,
// transfers and tips with receipts that verify; balance, history, entries, inclusion and
// consistency proofs; every bad input the issue lists, each a typed refusal that changes
// nothing and each followed by proof that a well-behaved client is still served; replays and
// conflicts; keys on disk; durability of receipts across SIGKILL.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountId } from '../../src/core/ids.ts';
import { verifyCheckpoint, verifyConsistency, verifyInclusion, verifyReceipt } from '../../src/core/ledger/audit.ts';
import type { Receipt } from '../../src/core/ledger/checkpoint.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { encodeTransfer, MAX_AMOUNT, transferHash, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { encodeFrame, MAX_HEADER_BYTES, V1Close } from '../../src/core/protocol.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { LedgerClient, operatorOf, requestId, v1Url } from './ledger-client.ts';
import { V1Client } from './v1-client.ts';

let relay: RelayProcess;
let url: string;
let op: TestAccount;
let log: string;

beforeAll(async () => {
  relay = await startRelay();
  url = v1Url(relay.signalUrl);
  op = operatorOf(relay.dataDir);
  const c = await LedgerClient.connect(url);
  const info = await c.info();
  if (info.t !== 'ledger-info') throw new Error('no ledger');
  log = info.log; // pinned, as the app pins it on first contact
  c.close();
});
afterAll(async () => {
  await relay?.stop();
});

/** Mints with the operator key, re-reading the operator's chain head first. */
async function mint(c: LedgerClient, to: AccountId, amount: number): Promise<Receipt> {
  const state = await c.balance(op.id);
  if (state.t !== 'balance') throw new Error('balance refused');
  op.seq = state.seq;
  op.head = state.head;
  const t = await op.sign(to, amount, { kind: 'mint' });
  const r = await c.transfer(t);
  if (r.t !== 'receipt') throw new Error(`mint refused: ${JSON.stringify(r)}`);
  await op.settled(t);
  return r.receipt;
}

/** Pays and expects a receipt; advances the payer's chain. */
async function pay(c: LedgerClient, t: SignedTransfer, payer: TestAccount): Promise<Receipt> {
  const r = await c.transfer(t);
  if (r.t !== 'receipt') throw new Error(`refused: ${JSON.stringify(r)}`);
  await payer.settled(t);
  return r.receipt;
}

/** A fresh client can still settle and query: the relay is unharmed. */
async function stillServing(): Promise<void> {
  const c = await LedgerClient.connect(url);
  const who = await TestAccount.create();
  const receipt = await mint(c, who.id, 3);
  expect((await verifyReceipt(receipt, { log })).ok).toBe(true);
  expect(await c.balance(who.id)).toMatchObject({ t: 'balance', balance: 3 });
  c.close();
}

/** What a refusal must not change: the accounts' states and histories (other traffic may go on). */
async function snapshotOf(c: LedgerClient, ...accounts: TestAccount[]) {
  const states = await Promise.all(accounts.map(async (a) => [await c.balance(a.id), (await c.history(a.id, 100)).header]));
  return JSON.stringify(states.flat().map((h) => ({ ...h, id: undefined })));
}

describe('/v1 ledger', () => {
  it('names its ledger key and operator, keeps both keys in 0600 files and never logs the private halves', async () => {
    const c = await LedgerClient.connect(url);
    const info = await c.info();
    expect(info).toMatchObject({ t: 'ledger-info', v: 1, operator: op.id, maxAmount: MAX_AMOUNT });
    for (const file of ['ledger-key.json', 'operator-key.json']) {
      expect(statSync(join(relay.dataDir, file)).mode & 0o777, file).toBe(0o600);
    }
    const { readFileSync } = await import('node:fs');
    for (const file of ['ledger-key.json', 'operator-key.json']) {
      const key = JSON.parse(readFileSync(join(relay.dataDir, file), 'utf8')) as { privateKey: string };
      expect(relay.logs()).not.toContain(key.privateKey);
    }
    c.close();
  });

  it('mints, transfers and tips with receipts that verify, and serves balance, history, entries and proofs', async () => {
    const c = await LedgerClient.connect(url);
    const [alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    const minted = await mint(c, alice.id, 1000);
    const t1 = await alice.sign(bob.id, 300, { memo: 'lunch' });
    const r1 = await pay(c, t1, alice);
    const t2 = await alice.sign(bob.id, 20, { kind: 'tip', ref: 'EBESExQVFhcYGRobHB0eHw' });
    const r2 = await pay(c, t2, alice);
    for (const [r, t] of [[r1, t1], [r2, t2]] as const) expect(await verifyReceipt(JSON.parse(JSON.stringify(r)), { log, transfer: t })).toMatchObject({ ok: true });
    expect(r2.index).toBe(r1.index + 1);

    expect(await c.balance(alice.id)).toMatchObject({ balance: 680, seq: 2, head: await transferHash(t2) });
    expect(await c.balance(bob.id)).toMatchObject({ balance: 320, seq: 0, head: '0'.repeat(64) });

    const hist = await c.history(bob.id, 10);
    expect(hist.header).toMatchObject({ t: 'history', indices: [r2.index, r1.index], more: false });
    expect(hist.lines.map((l) => Buffer.from(l).toString())).toEqual([t2, t1].map((t) => Buffer.from(encodeTransfer(t)).toString()));
    const page = await c.history(alice.id, 1, r2.index);
    expect(page.header).toMatchObject({ indices: [r1.index], more: true });

    const entries = await c.allEntries();
    expect(Buffer.from(entries[r1.index]!).equals(Buffer.from(encodeTransfer(t1)))).toBe(true);

    for (const [r, t] of [[r1, t1], [r2, t2]] as const) {
      const { proof } = await c.inclusion(r.index, r.checkpoint.size);
      expect(await verifyInclusion(r, t, proof!)).toEqual({ ok: true, value: true });
    }
    const latest = await c.checkpoint();
    if (latest.t !== 'checkpoint') throw new Error('no checkpoint');
    expect(await verifyCheckpoint(latest.checkpoint, log)).toMatchObject({ ok: true });
    const inLatest = await c.inclusion(r1.index, latest.checkpoint.size);
    expect(await verifyInclusion(r1, t1, inLatest.proof!, latest.checkpoint)).toEqual({ ok: true, value: true });
    const { proof } = await c.consistency(minted.checkpoint.size, latest.checkpoint.size);
    expect(await verifyConsistency(minted.checkpoint, latest.checkpoint, proof!)).toEqual({ ok: true, value: true });
    expect(await c.checkpoint(r1.checkpoint.size)).toMatchObject({ t: 'checkpoint', checkpoint: r1.checkpoint });
    c.close();
  });
});

describe('/v1 ledger: bad input', () => {
  it('refuses each bad transfer with its typed code, changing nothing', async () => {
    const c = await LedgerClient.connect(url);
    const [alice, bob, mallory] = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
    await mint(c, alice.id, 100);
    const before = await snapshotOf(c, alice, bob, mallory);
    const good = await alice.sign(bob.id, 5);
    const cases: [string, Record<string, unknown> | SignedTransfer | string, string][] = [
      ['bad signature (changed after signing)', { ...good, amount: 6 }, 'bad-signature'],
      ['bad signature (signed by someone else)', { ...(await mallory.sign(bob.id, 5)), from: alice.id }, 'bad-signature'],
      ['wrong seq', await alice.sign(bob.id, 5, { seq: 2 }), 'wrong-seq'],
      ['wrong prev', await alice.sign(bob.id, 5, { prev: 'ab'.repeat(32) }), 'wrong-prev'],
      ['overdraft', await alice.sign(bob.id, 101), 'overdraft'],
      ['zero amount', { ...good, amount: 0 }, 'bad-amount'],
      ['negative amount', { ...good, amount: -5 }, 'bad-amount'],
      ['fractional amount', { ...good, amount: 1.5 }, 'bad-amount'],
      ['huge amount', { ...good, amount: MAX_AMOUNT + 1 }, 'bad-amount'],
      ['amount as text', { ...good, amount: '5' }, 'bad-amount'],
      ['self-transfer', await alice.sign(alice.id, 5), 'self-transfer'],
      ['unknown kind', await alice.sign(bob.id, 5, { kind: 'red-packet' }), 'unknown-kind'],
      ['mint by a non-operator', await alice.sign(bob.id, 5, { kind: 'mint' }), 'not-operator'],
      ['tip without a message', await alice.sign(bob.id, 5, { kind: 'tip' }), 'bad-request'],
      ['missing fields', { id: good.id, amount: 5 }, 'bad-request'],
      ['another version', { ...good, v: 2 }, 'bad-request'],
      ['unknown field', { ...good, extra: true }, 'bad-request'],
      ['memo too long', { ...good, memo: 'x'.repeat(281) }, 'bad-request'],
      ['not an object', 'pay bob', 'bad-request'],
    ];
    for (const [name, transfer, code] of cases) {
      const id = typeof transfer === 'object' ? String(transfer.id) : good.id;
      const answer = await c.transfer(transfer as Record<string, unknown>, id);
      expect(answer, name).toMatchObject({ t: 'error', code, id });
      expect((answer as { message: string }).message.length, name).toBeGreaterThan(5);
      await stillServing();
    }
    const wrongId = await c.transfer(good, requestId());
    expect(wrongId).toMatchObject({ t: 'error', code: 'bad-request' });
    expect(await snapshotOf(c, alice, bob, mallory)).toBe(before);
    await stillServing();
    expect(await c.transfer(good)).toMatchObject({ t: 'receipt' }); // the good one, on the same connection
    c.close();
  });

  it('answers a replay with the identical receipt, and refuses conflicting duplicates, keeping them as evidence', async () => {
    const c = await LedgerClient.connect(url);
    const [alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    await mint(c, alice.id, 50);
    const t = await alice.sign(bob.id, 10);
    const first = await c.transfer(t);
    const again = await c.transfer(JSON.parse(JSON.stringify(t)));
    expect(again).toEqual(first);
    await alice.settled(t);
    const before = await snapshotOf(c, alice, bob);
    const sameId = await alice.sign(bob.id, 11, { id: t.id });
    const sameSeq = await alice.sign(bob.id, 12, { seq: t.seq, prev: t.prev });
    expect(await c.transfer(sameId)).toMatchObject({ t: 'error', code: 'conflict' });
    expect(await c.transfer(sameSeq)).toMatchObject({ t: 'error', code: 'conflict' });
    expect(await snapshotOf(c, alice, bob)).toBe(before);
    const db = new Database(join(relay.dataDir, 'ledger.sqlite'), { readonly: true });
    const kept = db.prepare<[], { body: Buffer }>('SELECT body FROM evidence').all().map((r) => r.body.toString());
    db.close();
    expect(kept).toEqual(expect.arrayContaining([sameId, sameSeq].map((x) => Buffer.from(encodeTransfer(x)).toString())));
    await stillServing();
    c.close();
  });

  it('closes only the offending socket on malformed or oversized ledger frames, and refuses impossible queries', async () => {
    const alice = await TestAccount.create();
    const huge = { ...(await alice.sign(alice.id, 1)), memo: 'x'.repeat(MAX_HEADER_BYTES) };
    const closing: [string, (c: V1Client) => void][] = [
      ['header over 4096 bytes', (c) => c.sendRaw(encodeFrame({ t: 'transfer', id: huge.id, transfer: huge }))],
      ['transfer frame without id', (c) => c.sendRaw(encodeFrame({ t: 'transfer', transfer: {} } as never))],
      ['bad account id', (c) => c.send({ t: 'balance', id: requestId(), account: 'not-an-account' })],
      ['entries limit too large', (c) => c.send({ t: 'entries', id: requestId(), from: 0, limit: 100_000 })],
      ['negative index', (c) => c.send({ t: 'inclusion', id: requestId(), index: -1, size: 1 })],
      ['unknown frame', (c) => c.sendRaw(encodeFrame({ t: 'withdraw-all', id: requestId() } as never))],
    ];
    for (const [name, act] of closing) {
      const c = await V1Client.connect(url);
      act(c);
      expect((await c.waitClosed()).code, name).toBe(V1Close.malformed);
      await stillServing();
    }
    const c = await LedgerClient.connect(url);
    const latest = await c.checkpoint();
    const size = latest.t === 'checkpoint' ? latest.checkpoint.size : 0;
    expect((await c.inclusion(size, size)).header).toMatchObject({ t: 'error', code: 'not-found' });
    expect((await c.inclusion(0, size + 1)).header).toMatchObject({ t: 'error', code: 'not-found' });
    expect((await c.consistency(2, 1)).header).toMatchObject({ t: 'error', code: 'not-found' });
    expect(await c.checkpoint(10 ** 9)).toMatchObject({ t: 'error', code: 'not-found' });
    const withBody = c.v1.frames.length;
    const id = requestId();
    c.v1.send({ t: 'balance', id, account: alice.id }, Uint8Array.of(1, 2, 3));
    expect((await c.v1.next((f) => 'id' in f.header && f.header.id === id, withBody)).header).toMatchObject({ t: 'error', code: 'bad-request' });
    expect(await c.balance(alice.id)).toMatchObject({ t: 'balance', balance: 0 });
    c.close();
    await stillServing();
  });
});

describe('/v1 ledger: a client that does not read', () => {
  it('is cut off (1008) instead of piling answers up in the relay, and others are unaffected', async () => {
    // Make `entries` answers large: 100 more leaves with the longest memo (~100 KB per answer).
    const filler = await LedgerClient.connect(url);
    const who = await TestAccount.create();
    await mint(filler, who.id, 1);
    const mints = [];
    for (let i = 0; i < 100; i++) {
      const t = await op.sign(who.id, 1, { kind: 'mint', memo: 'm'.repeat(280) });
      await op.settled(t);
      mints.push(t);
    }
    const answers = await Promise.all(mints.map((t) => filler.transfer(t)));
    expect(answers.every((a) => a.t === 'receipt')).toBe(true);
    filler.close();

    const c = await V1Client.connect(url);
    // Stop reading: the kernel buffers fill, then the relay's own send buffer.
    (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    for (let i = 0; i < 1000; i++) c.send({ t: 'entries', id: requestId(), from: 0, limit: 500 });
    await new Promise((r) => setTimeout(r, 1500));
    await stillServing();
    (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await c.waitClosed(30_000)).toEqual({ code: V1Close.policy, reason: 'client too slow' });
  });
});

describe('/v1 ledger durability', () => {
  it('keeps every receipted transfer across SIGKILL, and answers replays after the restart with identical receipts', async () => {
    const r1 = await startRelay();
    const c = await LedgerClient.connect(v1Url(r1.signalUrl));
    const operator = operatorOf(r1.dataDir);
    const alice = await TestAccount.create();
    // A pipelined chain of mints: each depends on the previous being settled first.
    const chain: SignedTransfer[] = [];
    for (let i = 0; i < 120; i++) {
      const t = await operator.sign(alice.id, 1, { kind: 'mint' });
      await operator.settled(t);
      chain.push(t);
    }
    for (const t of chain) c.v1.send({ t: 'transfer', id: t.id, transfer: t });
    await c.v1.next((f) => f.header.t === 'receipt' && f.header.receipt.index >= 20);
    await r1.kill('SIGKILL');
    const before = new Map(c.v1.frames.filter((f) => f.header.t === 'receipt').map((f) => [(f.header as { id: string }).id, f.header]));
    expect(before.size).toBeGreaterThanOrEqual(21);
    const r2 = await r1.restart();
    const again = await LedgerClient.connect(v1Url(r2.signalUrl));
    for (const t of chain) {
      const answer = await again.transfer(t);
      expect(answer.t, `transfer ${t.seq}`).toBe('receipt');
      if (before.has(t.id)) expect(answer, `receipt of seq ${t.seq} after restart`).toEqual(before.get(t.id));
    }
    expect(await again.balance(alice.id)).toMatchObject({ balance: 120 });
    again.close();
    await r2.stop();
  });
});
