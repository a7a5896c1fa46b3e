// The catch-up bench page: the app's replicator, mailbox client and Dexie stores bundled alone,
// run against the browser's real IndexedDB. bench/catchup.ts calls `catchupBench.run` through
// page.evaluate with the room secrets; each run uses a fresh database.
import { fromBase64Url } from '../../src/core/bytes.ts';
import { FloeDb } from '../../src/store/db.ts';
import { catchUp, type CatchUpResult } from './catchup.ts';

/** One IndexedDB transaction with one `add`, resolved on complete (rejects on error or abort). */
function addOne(db: IDBDatabase, rows: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('u', 'readwrite');
    const store = tx.objectStore('u');
    for (let i = 0; i < rows; i++) store.add({ doc: 'probe', data: new Uint8Array(300) });
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

const api = {
  /**
   * What raw IndexedDB costs in this browser, to explain the catch-up figure: ms per transaction
   * when `n` single-row transactions run one after another, and ms per row when `n` rows share one.
   */
  async idbProbe(n: number): Promise<{ perTransactionMs: number; perRowBatchedMs: number }> {
    const name = `floe-bench-probe-${crypto.randomUUID()}`;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('u', { autoIncrement: true });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('blocked'));
    });
    try {
      let t = performance.now();
      for (let i = 0; i < n; i++) await addOne(db, 1);
      const perTransactionMs = (performance.now() - t) / n;
      t = performance.now();
      await addOne(db, n);
      return { perTransactionMs, perRowBatchedMs: (performance.now() - t) / n };
    } finally {
      db.close();
      indexedDB.deleteDatabase(name);
    }
  },

  async run(url: string, secrets: string[], expected: number, timeoutMs: number): Promise<CatchUpResult> {
    const db = new FloeDb(`floe-bench-catchup-${crypto.randomUUID()}`);
    try {
      return await catchUp({
        url,
        secrets: secrets.map((s) => fromBase64Url(s)!),
        expected,
        db,
        now: () => performance.now(),
        timeoutMs,
      });
    } finally {
      db.close();
    }
  },
};

(window as unknown as { catchupBench: typeof api }).catchupBench = api;
