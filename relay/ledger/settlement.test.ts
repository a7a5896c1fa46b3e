import { describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/core/ledger/audit.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { generateKeyPair } from './keys.ts';
import { adaptiveLedgerCrypto, webCryptoLedger, workerLedgerCrypto } from './ledger-crypto.ts';
import { MemoryLedgerStore } from './memory-store.ts';
import { Settlement, type SettleResult } from './settlement.ts';
import type { LedgerStore } from './store.ts';

const CRYPTO = { webcrypto: webCryptoLedger, 'worker threads': (key: Uint8Array) => workerLedgerCrypto(key, 2), adaptive: (key: Uint8Array) => adaptiveLedgerCrypto(key, 2, 4) };

describe.each(Object.entries(CRYPTO))('Settlement with %s', (_name, makeCrypto) => {
  async function setup(wrap: (s: LedgerStore) => LedgerStore = (s) => s, extra: { maxPending?: number; maxBatch?: number } = {}) {
    const [op, alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
    const key = generateKeyPair();
    const inner = new MemoryLedgerStore({ operator: op.id, log: key.id, sign: key.signSync });
    const store = wrap(inner);
    const errors: unknown[] = [];
    const settlement = new Settlement({ store, crypto: makeCrypto(key.privateKey), operator: op.id, now: () => 1000, onError: (e) => errors.push(e), ...extra });
    return { op, alice, bob, log: key.id, store: inner, settlement, errors };
  }

  const code = (r: SettleResult) => (r.ok ? 'ok' : r.code);

  it('settles concurrent transfers in few transactions, in arrival order, with receipts that verify', async () => {
    const { op, alice, bob, log, settlement } = await setup();
    // One payer pipelines a chain: each transfer depends on the one before being settled first.
    const chain = [];
    for (let i = 0; i < 50; i++) {
      const t = await op.sign(i % 2 ? alice.id : bob.id, i + 1, { kind: 'mint' });
      await op.settled(t);
      chain.push(t);
    }
    const results = await Promise.all(chain.map((t) => settlement.submit(JSON.parse(JSON.stringify(t)))));
    expect(results.map(code)).toEqual(chain.map(() => 'ok'));
    expect(settlement.batches).toBeLessThanOrEqual(3);
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw new Error('unreachable');
      expect(r.receipt.index).toBe(i);
      expect(await verifyReceipt(r.receipt, { log, transfer: chain[i]! })).toMatchObject({ ok: true });
    }
  });

  it('refuses malformed, stateless-invalid and badly signed transfers without disturbing the rest of the batch', async () => {
    const { op, alice, bob, settlement, store } = await setup();
    const good = await op.sign(alice.id, 5, { kind: 'mint' });
    const forged = { ...(await alice.sign(bob.id, 1)), from: op.id, kind: 'mint' };
    const results = await Promise.all([
      settlement.submit({ not: 'a transfer' }),
      settlement.submit({ ...(await alice.sign(bob.id, 1)), amount: -5 }),
      settlement.submit(await alice.sign(bob.id, 1, { kind: 'mint' })),
      settlement.submit(forged),
      settlement.submit(good),
    ]);
    expect(results.map(code)).toEqual(['bad-request', 'bad-amount', 'not-operator', 'bad-signature', 'ok']);
    expect(await store.size()).toBe(1);
  });

  it('answers a replay with the byte-identical receipt', async () => {
    const { op, alice, settlement } = await setup();
    const t = await op.sign(alice.id, 5, { kind: 'mint' });
    const first = await settlement.submit(t);
    const again = await settlement.submit(t);
    expect(again).toEqual({ ...first, duplicate: true });
  });

  it('signs receipts only after the batch is durable, and answers unavailable when the store fails', async () => {
    let failing = false;
    let committed = 0;
    const { op, alice, settlement, errors } = await setup((inner) => ({
      ...inner,
      account: (id) => inner.account(id),
      size: () => inner.size(),
      settleBatch: async (reqs, now) => {
        await new Promise((r) => setTimeout(r, 30));
        if (failing) throw new Error('disk full');
        const out = await inner.settleBatch(reqs, now);
        committed++;
        return out;
      },
    }));
    const t1 = await op.sign(alice.id, 5, { kind: 'mint' });
    const answered = settlement.submit(t1).then((r) => ({ r, committed }));
    expect((await answered).committed).toBe(1);
    await op.settled(t1);
    failing = true;
    const t2 = await op.sign(alice.id, 5, { kind: 'mint' });
    expect(code(await settlement.submit(t2))).toBe('unavailable');
    expect(errors).toHaveLength(1);
    failing = false;
    expect(code(await settlement.submit(t2))).toBe('ok'); // the same transfer, retried
  });

  it('answers unavailable when too many transfers wait, or when closing', async () => {
    const { op, alice, settlement } = await setup(undefined, { maxPending: 2 });
    const ts = [];
    for (let i = 0; i < 4; i++) ts.push(await op.sign(alice.id, 1, { kind: 'mint', seq: i + 1 }));
    const results = await Promise.all(ts.map((t) => settlement.submit(t)));
    expect(results.map(code).filter((c) => c === 'unavailable')).toHaveLength(2);
    settlement.close();
    expect(code(await settlement.submit(ts[3]!))).toBe('unavailable');
  });
});

describe('LedgerCrypto implementations', () => {
  it('agree on every verdict and sign byte-identical receipts', async () => {
    const [alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    const key = generateKeyPair();
    const web = webCryptoLedger(key.privateKey);
    const workers = workerLedgerCrypto(key.privateKey, 2);
    const good = await Promise.all(Array.from({ length: 9 }, (_, i) => alice.sign(bob.id, i + 1)));
    const bad = [
      { ...good[0]!, amount: 99 },
      { ...good[1]!, from: bob.id },
      { ...good[2]!, sig: good[3]!.sig },
      { ...good[4]!, from: 'A'.repeat(43) as never }, // not a point on the curve
    ];
    const all = [...good, ...bad];
    const expected = [...good.map(() => true), ...bad.map(() => false)];
    expect(await web.verifyTransfers(all)).toEqual(expected);
    expect(await workers.verifyTransfers(all)).toEqual(expected);
    expect(await workers.verifyTransfers([])).toEqual([]);
    const checkpoint = { v: 1 as const, log: key.id, size: 3, root: 'a'.repeat(64), time: 5, sig: 'b'.repeat(86) };
    const bodies = good.map((t, index) => ({ v: 1 as const, id: t.id, hash: 'c'.repeat(64), index, checkpoint }));
    const signed = await workers.signReceipts(bodies);
    expect(signed).toEqual(await web.signReceipts(bodies));
    await workers.close();
    await expect(workers.verifyTransfers(good)).rejects.toThrow(/closed/);
  });
});
