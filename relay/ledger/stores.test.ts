import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { request, runDurableLedgerStoreTests, runLedgerStoreTests } from './conformance.ts';
import { generateKeyPair } from './keys.ts';
import { MemoryLedgerStore } from './memory-store.ts';
import { SqliteLedgerStore } from './sqlite-store.ts';
import type { LedgerStoreOptions } from './store.ts';

runLedgerStoreTests('memory', async (opts) => ({ store: new MemoryLedgerStore(opts) }));

const sqlite = (backgroundCheckpoint: boolean) => async (opts: LedgerStoreOptions) => {
  const file = join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), 'ledger.sqlite');
  return {
    store: new SqliteLedgerStore(file, opts, { backgroundCheckpoint }),
    reopen: async (o: LedgerStoreOptions) => new SqliteLedgerStore(file, o, { backgroundCheckpoint }),
  };
};
runLedgerStoreTests('sqlite (real file)', sqlite(false));
runDurableLedgerStoreTests('sqlite (real file)', sqlite(false));
runLedgerStoreTests('sqlite, checkpoints on a worker thread', sqlite(true));
runDurableLedgerStoreTests('sqlite, checkpoints on a worker thread', sqlite(true));

/** `count` batches of `size` mints to `to`, signed in order, each with a 200-byte memo. */
async function mintBatches(op: TestAccount, to: TestAccount, count: number, size: number) {
  const batches = [];
  for (let b = 0; b < count; b++) {
    const batch = [];
    for (let i = 0; i < size; i++) {
      const t = await op.sign(to.id, 1, { kind: 'mint', memo: 'x'.repeat(200) });
      await op.settled(t);
      batch.push(request(t));
    }
    batches.push(batch);
  }
  return batches;
}

describe('SqliteLedgerStore with background checkpoints', () => {
  it('moves committed pages into the database file without the committing connection doing it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), 'ledger.sqlite');
    const [op, alice] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    const key = generateKeyPair();
    const store = new SqliteLedgerStore(file, { operator: op.id, log: key.id, sign: key.signSync }, { backgroundCheckpoint: true });
    const before = statSync(file).size;
    for (const batch of await mintBatches(op, alice, 5, 40)) expect((await store.settleBatch(batch, 1)).every((o) => o.ok)).toBe(true);
    const deadline = Date.now() + 5_000;
    while (statSync(file).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThan(before + 100_000);
    await store.close();
  });

  it('keeps the WAL bounded under steady writes: past its threshold it is restarted from its start, not grown forever', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), 'ledger.sqlite');
    const [op, alice] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    const key = generateKeyPair();
    const store = new SqliteLedgerStore(file, { operator: op.id, log: key.id, sign: key.signSync }, { backgroundCheckpoint: { everyMs: 10, restartAboveBytes: 256 * 1024 }, asyncFsync: true });
    // Signed first, then committed back to back: the writer never pauses long enough for a
    // PASSIVE checkpoint alone to catch up, as under steady load on the relay.
    const batches = await mintBatches(op, alice, 300, 8);
    // The WAL header's bytes 12..15 count its restarts ("checkpoint sequence number").
    const wal = `${file}-wal`;
    const restarts = () => readFileSync(wal).readUInt32BE(12);
    const sizes: number[] = [];
    let first = -1;
    for (const batch of batches) {
      expect((await store.settleBatch(batch, 1)).every((o) => o.ok)).toBe(true);
      if (first < 0) first = restarts();
      sizes.push(statSync(wal).size);
      // The checkpointer gets its turns as it would between batches on a busy relay.
      await new Promise((r) => setImmediate(r));
    }
    expect(restarts() - first).toBeGreaterThanOrEqual(3);
    // These 300 batches put 18–28 MB through the WAL (measured): grown instead of reused, it ends there.
    expect(Math.max(...sizes)).toBeLessThan(12 * 1024 * 1024); // reused: 1.4–5 MB here
    expect(await store.size()).toBe(2400);
    await store.close();
  });
});
