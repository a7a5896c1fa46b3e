import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDurableLedgerStoreTests, runLedgerStoreTests } from './conformance.ts';
import { MemoryLedgerStore } from './memory-store.ts';
import { SqliteLedgerStore } from './sqlite-store.ts';
import type { LedgerStoreOptions } from './store.ts';

runLedgerStoreTests('memory', async (opts) => ({ store: new MemoryLedgerStore(opts) }));

const sqlite = async (opts: LedgerStoreOptions) => {
  const file = join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), 'ledger.sqlite');
  return { store: new SqliteLedgerStore(file, opts), reopen: async (o: LedgerStoreOptions) => new SqliteLedgerStore(file, o) };
};
runLedgerStoreTests('sqlite (real file)', sqlite);
runDurableLedgerStoreTests('sqlite (real file)', sqlite);
