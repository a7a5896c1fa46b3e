import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { request, runDurableLedgerStoreTests, runLedgerStoreTests } from './conformance.ts';
import { generateKeyPair } from './keys.ts';
import { SqliteLedgerStore } from './sqlite-store.ts';
import type { LedgerStoreOptions } from './store.ts';
import { coalescingSync, walSync } from './wal-sync.ts';

/** A stand-in for fdatasync that the test finishes by hand (the real one cannot be held open). */
function manualSync() {
  const running: ((err: Error | null) => void)[] = [];
  const sync = coalescingSync((done) => running.push(done));
  return { sync, running, finish: (err: Error | null = null) => running.shift()!(err) };
}

const settledTick = () => new Promise((r) => setImmediate(r));

describe('coalescingSync', () => {
  it('resolves a flush only after a sync that started after it was called', async () => {
    const { sync, running, finish } = manualSync();
    let first = false;
    let second = false;
    void sync.flush().then(() => (first = true));
    expect(running).toHaveLength(1);
    // Called while the first sync runs: its writes may be after that sync's start.
    void sync.flush().then(() => (second = true));
    expect(running).toHaveLength(1);
    finish();
    await settledTick();
    expect([first, second]).toEqual([true, false]);
    expect(running).toHaveLength(1); // the next sync started as soon as the first ended
    expect(sync.pending).toBe(true);
    finish();
    await settledTick();
    expect(second).toBe(true);
    expect(sync.pending).toBe(false);
  });

  it('shares one sync among every flush that arrives while another runs (group commit)', async () => {
    const { sync, running, finish } = manualSync();
    const done: number[] = [];
    void sync.flush().then(() => done.push(0));
    const later = [1, 2, 3, 4].map((i) => sync.flush().then(() => done.push(i)));
    finish();
    await settledTick();
    expect(running).toHaveLength(1);
    finish();
    await Promise.all(later);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    expect(running).toHaveLength(0);
  });

  it('fails every later flush once a sync failed (a later success would prove nothing)', async () => {
    const { sync, running, finish } = manualSync();
    const first = sync.flush();
    finish(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    await expect(sync.flush()).rejects.toThrow('EIO');
    expect(running).toHaveLength(0); // not even attempted
    expect(sync.pending).toBe(false);
  });

  it('fails when the WAL file cannot be opened, instead of pretending it synced', async () => {
    const s = walSync(join(mkdtempSync(join(tmpdir(), 'floe-walsync-')), 'missing.sqlite'));
    await expect(s.flush()).rejects.toThrow(/ENOENT/);
    await s.close();
  });
});

const sqlite = async (opts: LedgerStoreOptions) => {
  const file = join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), 'ledger.sqlite');
  const options = { backgroundCheckpoint: true, asyncFsync: true };
  return { store: new SqliteLedgerStore(file, opts, options), reopen: async (o: LedgerStoreOptions) => new SqliteLedgerStore(file, o, options) };
};
runLedgerStoreTests('sqlite, WAL synced off the event loop (the relay)', sqlite);
runDurableLedgerStoreTests('sqlite, WAL synced off the event loop (the relay)', sqlite);

describe('SqliteLedgerStore with asyncFsync', () => {
  it('does not serve a checkpoint before the batch that signed it is synced', async () => {
    const [op, alice] = await Promise.all([TestAccount.create(), TestAccount.create()]);
    const key = generateKeyPair();
    const { store } = await sqlite({ operator: op.id, log: key.id, sign: key.signSync });
    const m1 = await op.sign(alice.id, 5, { kind: 'mint' });
    await op.settled(m1);
    const m2 = await op.sign(alice.id, 5, { kind: 'mint' });
    expect(await store.settleBatch([request(m1)], 1)).toMatchObject([{ ok: true, index: 0 }]);
    // The COMMIT runs synchronously inside settleBatch; its fdatasync cannot have finished
    // before the next statement, so this is the window between commit and sync.
    const settling = store.settleBatch([request(m2)], 2);
    expect(await store.size()).toBe(2);
    expect((await store.checkpoint())?.size).toBe(1);
    expect(await store.checkpoint(2)).toBeNull();
    expect(await settling).toMatchObject([{ ok: true, index: 1, checkpoint: { size: 2 } }]);
    expect((await store.checkpoint())?.size).toBe(2);
    expect((await store.checkpoint(2))?.size).toBe(2);
    await store.close();
  });
});
