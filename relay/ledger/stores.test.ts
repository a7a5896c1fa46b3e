import { mkdtempSync, statSync } from 'node:fs';
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

describe('SqliteLedgerStore with background checkpoints', () => {
  it('moves committed pages into the database file without the committing connection doing it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), 'ledger.sqlite');
    const [op, alice] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    const key = generateKeyPair();
    const store = new SqliteLedgerStore(file, { operator: op.id, log: key.id, sign: key.signSync }, { backgroundCheckpoint: true });
    const before = statSync(file).size;
    for (let b = 0; b < 5; b++) {
      const batch = [];
      for (let i = 0; i < 40; i++) {
        const t = await op.sign(alice.id, 1, { kind: 'mint', memo: 'x'.repeat(200) });
        await op.settled(t);
        batch.push(request(t));
      }
      expect((await store.settleBatch(batch, 1)).every((o) => o.ok)).toBe(true);
    }
    const deadline = Date.now() + 5_000;
    while (statSync(file).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThan(before + 100_000);
    await store.close();
  });
});
