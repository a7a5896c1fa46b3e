// The settlement pipeline's scheduling: no batching window, verification overlapping commits,
// receipts only after the store says the batch is durable, receipt signatures ahead of
// verifications on the workers. Orders of events are checked, never durations.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import type { SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { generateKeyPair } from './keys.ts';
import { webCryptoLedger, workerLedgerCrypto, type LedgerCrypto } from './ledger-crypto.ts';
import { MemoryLedgerStore } from './memory-store.ts';
import { Settlement } from './settlement.ts';
import type { LedgerStore } from './store.ts';

const tick = () => new Promise((r) => setImmediate(r));

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 10_000 && !(await check()); i++) await tick();
  if (!(await check())) throw new Error('condition never held');
}

/** A store whose batches commit at once but are reported durable only when the test says so. */
function gatedStore(inner: LedgerStore) {
  const gates: (() => void)[] = [];
  const batches: number[] = [];
  const store: LedgerStore = Object.assign(Object.create(inner) as LedgerStore, {
    settleBatch: async (reqs: Parameters<LedgerStore['settleBatch']>[0], now: number) => {
      const out = await inner.settleBatch(reqs, now);
      batches.push(reqs.length);
      await new Promise<void>((r) => gates.push(r));
      return out;
    },
  });
  return { store, batches, release: () => gates.shift()!(), waiting: () => gates.length };
}

/** Records the order in which verifications and receipt signatures finish. */
function recordingCrypto(inner: LedgerCrypto, events: string[]): LedgerCrypto {
  return {
    verifyTransfers: async (ts) => {
      const r = await inner.verifyTransfers(ts);
      events.push(`verified ${ts.map((t) => t.amount).join(',')}`);
      return r;
    },
    signReceipts: async (bodies) => {
      events.push(`signing ${bodies.length}`);
      return inner.signReceipts(bodies);
    },
    close: () => inner.close(),
  };
}

async function world() {
  const [op, alice] = await Promise.all([TestAccount.create(), TestAccount.create()]);
  const key = generateKeyPair();
  const inner = new MemoryLedgerStore({ operator: op.id, log: key.id, sign: key.signSync });
  return { op, alice, key, inner };
}

async function mints(op: TestAccount, to: TestAccount, amounts: number[]): Promise<SignedTransfer[]> {
  const out = [];
  for (const amount of amounts) {
    const t = await op.sign(to.id, amount, { kind: 'mint' });
    await op.settled(t);
    out.push(t);
  }
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Settlement pipeline', () => {
  it('settles a lone transfer at once: no batching window, no timer', async () => {
    const { op, alice, key, inner } = await world();
    const [t] = await mints(op, alice, [7]);
    const sizes: number[] = [];
    const store = Object.assign(Object.create(inner) as LedgerStore, {
      settleBatch: (reqs: Parameters<LedgerStore['settleBatch']>[0], now: number) => {
        sizes.push(reqs.length);
        return inner.settleBatch(reqs, now);
      },
    });
    // Timers are frozen: a settlement that waited for a window to fill would never answer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const settlement = new Settlement({ store, crypto: webCryptoLedger(key.privateKey), operator: op.id });
    const r = await settlement.submit(t);
    expect(r.ok).toBe(true);
    expect(sizes).toEqual([1]);
  });

  it('signs and answers no receipt before the store reports its batch durable', async () => {
    const { op, alice, key, inner } = await world();
    const [t] = await mints(op, alice, [7]);
    const gated = gatedStore(inner);
    const events: string[] = [];
    const settlement = new Settlement({ store: gated.store, crypto: recordingCrypto(webCryptoLedger(key.privateKey), events), operator: op.id });
    let answered = false;
    const result = settlement.submit(t).then((r) => ((answered = true), r));
    await until(() => gated.waiting() === 1);
    expect(await inner.size()).toBe(1); // committed, not yet durable
    for (let i = 0; i < 20; i++) await tick();
    expect(answered).toBe(false);
    expect(events.filter((e) => e.startsWith('signing'))).toEqual([]);
    gated.release();
    expect((await result).ok).toBe(true);
    expect(events).toEqual(['verified 7', 'signing 1']);
  });

  it('verifies the next transfers while a batch is being made durable', async () => {
    const { op, alice, key, inner } = await world();
    const [first, second] = await mints(op, alice, [1, 2]);
    const gated = gatedStore(inner);
    const events: string[] = [];
    const settlement = new Settlement({ store: gated.store, crypto: recordingCrypto(webCryptoLedger(key.privateKey), events), operator: op.id });
    const a = settlement.submit(first);
    await until(() => gated.waiting() === 1);
    const b = settlement.submit(second);
    await until(() => events.includes('verified 2'));
    expect(gated.batches).toEqual([1]); // the second waits for the first batch, already verified
    gated.release();
    await until(() => gated.waiting() === 1);
    gated.release();
    expect([(await a).ok, (await b).ok]).toEqual([true, true]);
    expect(gated.batches).toEqual([1, 1]);
    expect(events.indexOf('verified 2')).toBeLessThan(events.indexOf('signing 1'));
  });
});

describe('workerLedgerCrypto scheduling', () => {
  it('runs receipt signatures ahead of verifications already queued on the same worker', async () => {
    const { op, alice, key } = await world();
    const transfers = await Promise.all(Array.from({ length: 160 }, (_, i) => alice.sign(op.id, i + 1)));
    const crypto = workerLedgerCrypto(key.privateKey, 1);
    const done: string[] = [];
    const checkpoint = { v: 1 as const, log: key.id, size: 1, root: 'a'.repeat(64), time: 1, sig: 'b'.repeat(86) };
    // 160 verifications: ten jobs on the one worker, all posted before the signature job.
    const verified = crypto.verifyTransfers(transfers).then(() => done.push('verify'));
    const signed = crypto.signReceipts([{ v: 1, id: transfers[0]!.id, hash: 'c'.repeat(64), index: 0, checkpoint }]).then(() => done.push('sign'));
    await Promise.all([verified, signed]);
    expect(done).toEqual(['sign', 'verify']);
    await crypto.close();
  });

  it('keeps moderate work on one worker and spreads a burst over all of them', async () => {
    const { op, alice, key } = await world();
    const transfers = await Promise.all(Array.from({ length: 96 }, (_, i) => alice.sign(op.id, i + 1)));
    const crypto = workerLedgerCrypto(key.privateKey, 2);
    // Eight small jobs at once, as at moderate load: together they are less than 2 ms of work,
    // so the first worker takes them all (spread by load alone, they would alternate 4 and 4).
    const small = await Promise.all(transfers.slice(0, 8).map((t) => crypto.verifyTransfers([t])));
    expect(small.flat()).toEqual(Array(8).fill(true));
    expect(crypto.jobsPerWorker()).toEqual([8, 0]);
    // A burst of 88 (six jobs of up to 16): past the first worker's share, the second takes some.
    expect((await crypto.verifyTransfers(transfers.slice(8))).every((ok) => ok)).toBe(true);
    const [first, second] = crypto.jobsPerWorker();
    expect(first! + second!).toBe(14);
    expect(second).toBeGreaterThanOrEqual(2);
    await crypto.close();
  });
});
