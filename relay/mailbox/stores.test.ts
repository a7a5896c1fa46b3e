import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDurableMailboxStoreTests, runMailboxStoreTests } from './conformance.ts';
import { MemoryMailboxStore } from './memory-store.ts';
import { SqliteMailboxStore } from './sqlite-store.ts';

runMailboxStoreTests('memory', async (limits) => ({ store: new MemoryMailboxStore(limits) }));

const sqlite = async (limits: { maxRoomBytes: number }) => {
  const file = join(mkdtempSync(join(tmpdir(), 'floe-mailbox-')), 'relay.sqlite');
  return { store: new SqliteMailboxStore(file, limits), reopen: async () => new SqliteMailboxStore(file, limits) };
};
runMailboxStoreTests('sqlite (real file)', sqlite);
runDurableMailboxStoreTests('sqlite (real file)', sqlite);
