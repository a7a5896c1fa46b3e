// The conformance suite every LedgerStore adapter runs (see store.ts for the contract).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { checkpointSignatureValid } from '../../src/core/ledger/checkpoint.ts';
import { MemoryTree, verifyConsistencyProof, verifyInclusionProof } from '../../src/core/ledger/merkle.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { decodeTransfer, encodeTransfer, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { generateKeyPair } from './keys.ts';
import { MAX_EVIDENCE_PER_PAYER, type LedgerStore, type LedgerStoreOptions, type SettleOutcome, type SettleRequest } from './store.ts';

const digest = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

export function request(t: SignedTransfer): SettleRequest {
  const bytes = encodeTransfer(t);
  return { transfer: t, bytes, hash: toHex(digest(bytes)) };
}

export type MakeStore = (opts: LedgerStoreOptions) => Promise<{ store: LedgerStore; reopen?: (opts: LedgerStoreOptions) => Promise<LedgerStore> }>;

interface World {
  store: LedgerStore;
  reopen?: (opts: LedgerStoreOptions) => Promise<LedgerStore>;
  opts: LedgerStoreOptions;
  op: TestAccount;
  alice: TestAccount;
  bob: TestAccount;
  /** Settle one transfer per batch and advance the payer's chain on success. */
  settle(payer: TestAccount, t: SignedTransfer, now?: number): Promise<SettleOutcome>;
}

async function world(make: MakeStore): Promise<World> {
  const [op, alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
  const key = generateKeyPair();
  const opts: LedgerStoreOptions = { operator: op.id, log: key.id, sign: key.signSync };
  const made = await make(opts);
  const w: World = {
    ...made,
    opts,
    op,
    alice,
    bob,
    async settle(payer, t, now = 1000) {
      const [o] = await w.store.settleBatch([request(t)], now);
      if (o!.ok) await payer.settled(t);
      return o!;
    },
  };
  return w;
}

/** The observable state, to prove a refusal changed nothing. */
async function snapshot(w: World) {
  return JSON.stringify({
    size: await w.store.size(),
    supply: await w.store.supply(),
    cp: await w.store.checkpoint(),
    accounts: await Promise.all([w.op, w.alice, w.bob].map((a) => w.store.account(a.id))),
  });
}

export function runLedgerStoreTests(name: string, make: MakeStore): void {
  describe(`LedgerStore conformance: ${name}`, () => {
    it('settles a batch in order: consecutive leaves, balances, supply and one signed checkpoint', async () => {
      const w = await world(make);
      const m1 = await w.op.sign(w.alice.id, 100, { kind: 'mint' });
      await w.op.settled(m1);
      const t1 = await w.alice.sign(w.bob.id, 30);
      await w.alice.settled(t1);
      const t2 = await w.alice.sign(w.bob.id, 70, { kind: 'tip', ref: 'EBESExQVFhcYGRobHB0eHw' });
      const out = await w.store.settleBatch([m1, t1, t2].map(request), 5000);
      expect(out.map((o) => o.ok && [o.index, o.duplicate])).toEqual([[0, false], [1, false], [2, false]]);
      const cp = out[0]!.ok ? out[0]!.checkpoint : null;
      expect(out.every((o) => o.ok && o.checkpoint === cp)).toBe(true);
      expect(cp).toMatchObject({ v: 1, log: w.opts.log, size: 3, time: 5000 });
      expect(await checkpointSignatureValid(cp!)).toBe(true);
      const tree = new MemoryTree(digest);
      for (const t of [m1, t1, t2]) tree.append(encodeTransfer(t));
      expect(cp!.root).toBe(toHex(tree.root()));
      expect(await w.store.checkpoint()).toEqual(cp);
      expect(await w.store.size()).toBe(3);
      expect(await w.store.supply()).toBe(100);
      expect((await w.store.account(w.alice.id)).balance).toBe(0);
      expect(await w.store.account(w.bob.id)).toMatchObject({ balance: 100, seq: 0 });
      expect(await w.store.account(w.op.id)).toMatchObject({ balance: 0, seq: 1, head: request(m1).hash });
      expect(await w.store.account(w.alice.id)).toMatchObject({ seq: 2, head: request(t2).hash });
      expect((await w.store.entries(0, 10)).map((b) => decodeTransfer(b).ok && (decodeTransfer(b) as { value: SignedTransfer }).value.id)).toEqual([m1.id, t1.id, t2.id]);
      await w.store.close();
    });

    it('refuses wrong seq, wrong prev, overdraft, self-transfer and a mint by another account, changing nothing', async () => {
      const w = await world(make);
      await w.settle(w.op, await w.op.sign(w.alice.id, 50, { kind: 'mint' }));
      const before = await snapshot(w);
      const cases: [TestAccount, Promise<SignedTransfer>, string][] = [
        [w.alice, w.alice.sign(w.bob.id, 5, { seq: 2 }), 'wrong-seq'],
        [w.alice, w.alice.sign(w.bob.id, 5, { prev: 'e'.repeat(64) }), 'wrong-prev'],
        [w.alice, w.alice.sign(w.bob.id, 51), 'overdraft'],
        [w.bob, w.bob.sign(w.alice.id, 1), 'overdraft'],
        [w.alice, w.alice.sign(w.alice.id, 5), 'self-transfer'],
        [w.alice, w.alice.sign(w.bob.id, 5, { kind: 'mint' }), 'not-operator'],
        [w.alice, w.alice.sign(w.bob.id, 5, { kind: 'membership' }), 'unknown-kind'],
      ];
      for (const [payer, t, code] of cases) {
        const o = await w.settle(payer, await t, 9000);
        expect(o.ok ? 'ok' : o.refusal.code, code).toBe(code);
      }
      expect(await snapshot(w)).toBe(before);
      expect(await w.settle(w.alice, await w.alice.sign(w.bob.id, 50))).toMatchObject({ ok: true, index: 1 });
      await w.store.close();
    });

    it('answers a replay with the original leaf and checkpoint, in the same batch and later', async () => {
      const w = await world(make);
      const m = await w.op.sign(w.alice.id, 10, { kind: 'mint' });
      const [first, again] = await w.store.settleBatch([request(m), request(m)], 1000);
      expect(first).toMatchObject({ ok: true, index: 0, duplicate: false });
      expect(again).toEqual({ ...first, duplicate: true });
      await w.op.settled(m);
      await w.settle(w.op, await w.op.sign(w.bob.id, 10, { kind: 'mint' }), 2000);
      const before = await snapshot(w);
      const [later] = await w.store.settleBatch([request(m)], 3000);
      expect(later).toEqual({ ...first, duplicate: true });
      expect(await snapshot(w)).toBe(before);
      await w.store.close();
    });

    it('refuses a reused id or payer seq with other content as a conflict and keeps the evidence', async () => {
      const w = await world(make);
      const m = await w.op.sign(w.alice.id, 10, { kind: 'mint' });
      await w.settle(w.op, m);
      const before = await snapshot(w);
      const sameId = await w.alice.sign(w.bob.id, 1, { id: m.id });
      const sameSeq = await w.op.sign(w.bob.id, 10, { kind: 'mint', seq: 1, prev: m.prev });
      const out = await w.store.settleBatch([request(sameId), request(sameSeq), request(sameSeq)], 4000);
      expect(out.map((o) => !o.ok && o.refusal.code)).toEqual(['conflict', 'conflict', 'conflict']);
      expect(await snapshot(w)).toBe(before);
      const kept = await w.store.evidence(10);
      expect(kept.map((e) => [e.reason, Buffer.from(e.bytes).toString()]).sort()).toEqual(
        [['id', Buffer.from(encodeTransfer(sameId)).toString()], ['seq', Buffer.from(encodeTransfer(sameSeq)).toString()]].sort(),
      );
      expect(kept.every((e) => e.received === 4000)).toBe(true);
      await w.store.close();
    });

    it(`keeps at most ${MAX_EVIDENCE_PER_PAYER} pieces of evidence per payer`, async () => {
      const w = await world(make);
      const m = await w.op.sign(w.alice.id, 10, { kind: 'mint' });
      await w.settle(w.op, m);
      const forged = await Promise.all(Array.from({ length: MAX_EVIDENCE_PER_PAYER + 5 }, (_, i) => w.op.sign(w.bob.id, i + 1, { kind: 'mint', seq: 1, prev: m.prev })));
      const out = await w.store.settleBatch(forged.map(request), 5000);
      expect(out.every((o) => !o.ok && o.refusal.code === 'conflict')).toBe(true);
      expect(await w.store.evidence(1000)).toHaveLength(MAX_EVIDENCE_PER_PAYER);
      await w.store.close();
    });

    it('issues a checkpoint only for batches that append, never going back in time', async () => {
      const w = await world(make);
      const m = await w.op.sign(w.alice.id, 10, { kind: 'mint' });
      await w.settle(w.op, m, 5000);
      const cp1 = await w.store.checkpoint();
      await w.store.settleBatch([request(m), request(await w.alice.sign(w.bob.id, 99))], 6000); // a replay and an overdraft
      expect(await w.store.checkpoint()).toEqual(cp1);
      const o = await w.settle(w.op, await w.op.sign(w.bob.id, 1, { kind: 'mint' }), 100); // the clock went back
      expect(o.ok && o.checkpoint).toMatchObject({ size: 2, time: 5000 });
      expect(await w.store.checkpoint(1)).toEqual(cp1);
      expect(await w.store.checkpoint(3)).toBeNull();
      await w.store.close();
    });

    it('serves history, entries and proofs that verify against its checkpoints', async () => {
      const w = await world(make);
      const checkpoints = [];
      for (let i = 0; i < 9; i++) {
        const [payer, to] = i % 3 === 0 ? [w.op, w.alice.id] : i % 3 === 1 ? [w.alice, w.bob.id] : [w.bob, w.alice.id];
        const o = await w.settle(payer, await payer.sign(to, 1, payer === w.op ? { kind: 'mint' } : {}), 1000 + i);
        expect(o.ok).toBe(true);
        if (o.ok) checkpoints.push(o.checkpoint);
      }
      const all = await w.store.entries(0, 100);
      expect(all).toHaveLength(9);
      expect(await w.store.entries(7, 100)).toEqual(all.slice(7));
      const hist = await w.store.history(w.bob.id, 9, 100);
      expect(hist.map((h) => h.index)).toEqual([8, 7, 5, 4, 2, 1]);
      expect(await w.store.history(w.bob.id, 5, 2)).toEqual(hist.slice(3, 5));
      expect(await w.store.history(w.op.id, 100, 100)).toHaveLength(3);
      for (const cp of checkpoints) {
        for (let index = 0; index < cp.size; index++) {
          const proof = await w.store.inclusionProof(index, cp.size);
          expect(await verifyInclusionProof(index, cp.size, digest(new Uint8Array([0, ...all[index]!])), proof!, fromHex(cp.root))).toBe(true);
        }
        const last = checkpoints.at(-1)!;
        const proof = await w.store.consistencyProof(cp.size, last.size);
        expect(await verifyConsistencyProof(cp.size, last.size, fromHex(cp.root), fromHex(last.root), proof!)).toBe(true);
      }
      expect(await w.store.inclusionProof(9, 9)).toBeNull();
      expect(await w.store.inclusionProof(0, 10)).toBeNull();
      expect(await w.store.consistencyProof(5, 10)).toBeNull();
      expect(await w.store.consistencyProof(6, 5)).toBeNull();
      await w.store.close();
    });
  });
}

/** For adapters that keep data: what was settled survives closing and reopening, replays included. */
export function runDurableLedgerStoreTests(name: string, make: MakeStore): void {
  describe(`LedgerStore durability: ${name}`, () => {
    it('keeps settled transfers, balances, chains and checkpoints across a reopen', async () => {
      const w = await world(make);
      const m = await w.op.sign(w.alice.id, 10, { kind: 'mint' });
      const first = await w.settle(w.op, m);
      await w.settle(w.alice, await w.alice.sign(w.bob.id, 4));
      const before = await snapshot(w);
      await w.store.close();
      w.store = await w.reopen!(w.opts);
      expect(await snapshot(w)).toBe(before);
      const [again] = await w.store.settleBatch([request(m)], 99_999);
      expect(again).toEqual({ ...first, duplicate: true });
      expect(await w.settle(w.alice, await w.alice.sign(w.bob.id, 6))).toMatchObject({ ok: true, index: 2 });
      await w.store.close();
    });

    it('refuses to open with another ledger key or operator', async () => {
      const w = await world(make);
      await w.store.close();
      const other = generateKeyPair();
      await expect(w.reopen!({ ...w.opts, log: other.id, sign: other.signSync })).rejects.toThrow(/belongs to log/);
      await expect(w.reopen!({ ...w.opts, operator: w.alice.id })).rejects.toThrow(/belongs to operator/);
    });
  });
}
