// Group commit's fsync, off the event loop. With synchronous=FULL, SQLite fsyncs the WAL inside
// COMMIT, and better-sqlite3 runs COMMIT on the relay's main thread: every batch froze the event
// loop for the length of one fsync (0.3–1 ms on the target disk, far more when the disk is busy),
// which at half load was most of the main thread's time (measured: see bench/ledger.ts and
// docs/decisions.md). The settling connection therefore runs with synchronous=NORMAL, which in
// WAL mode writes the WAL at COMMIT without syncing it, and the store calls `flush()` after each
// commit: an fdatasync of the WAL file on libuv's thread pool. A batch's receipts are signed only
// once a flush that began after its COMMIT has finished, so a signed receipt is on disk exactly
// as with FULL. (With NORMAL, SQLite still syncs the WAL before every checkpoint, the database
// after it, and the WAL header when it reuses the file, so the database stays consistent.)
//
// Invariants:
// - `flush()` resolves only after an fdatasync that STARTED after the call: whatever was written
//   to the WAL before the call is then on disk. Calls during a running sync share the next one
//   (group commit across batches): at most one sync runs and one waits.
// - The first sync also fsyncs the directory, so a newly created WAL file's name is durable.
// - After one failed sync every later flush fails too (the kernel may have dropped the dirty
//   pages, so a later "successful" sync would prove nothing): the store answers `unavailable`
//   until the relay is restarted, and SQLite's recovery decides what survived.
import { close, fdatasync, fsync, open } from 'node:fs';
import { dirname } from 'node:path';

export interface WalSync {
  /** Resolves once everything written to the WAL before this call is durable. */
  flush(): Promise<void>;
  /** True while a flush has not resolved yet: something committed may not be durable. */
  readonly pending: boolean;
  close(): Promise<void>;
}

type Sync = (done: (err: Error | null) => void) => void;

const call = <T>(f: (cb: (err: Error | null, v: T) => void) => void) =>
  new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

/**
 * Coalesces flush() calls onto one running sync at a time. `sync` is the disk operation (an
 * fdatasync of the WAL in production, a controllable stand-in in tests).
 */
export function coalescingSync(sync: Sync): Pick<WalSync, 'flush' | 'pending'> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  let waiting = 0;
  let failed: Error | null = null;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      sync((err) => {
        if (err && !failed) failed = err;
        if (failed) reject(failed);
        else resolve();
      });
    });
  const start = (): Promise<void> => {
    const p = once().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };
  return {
    get pending() {
      return waiting > 0;
    },
    flush() {
      waiting++;
      let p: Promise<void>;
      if (!running && !next) p = start();
      else {
        // The running sync may have begun before this caller's writes: share the next one, which
        // starts when the running one ends (`next` is cleared as it starts).
        const after = () => {
          next = null;
          return start();
        };
        next ??= (running ?? Promise.resolve()).then(after, after);
        p = next;
      }
      return p.finally(() => waiting--);
    },
  };
}

/** fdatasync of `${databaseFile}-wal`, opened on first use (SQLite creates it with the database). */
export function walSync(databaseFile: string): WalSync {
  let fd: Promise<number> | null = null;
  const openWal = async () => {
    const walFd = await call<number>((cb) => open(`${databaseFile}-wal`, 'r', cb));
    // The WAL may have just been created: make its directory entry durable once.
    const dirFd = await call<number>((cb) => open(dirname(databaseFile), 'r', cb));
    try {
      await call<void>((cb) => fsync(dirFd, (err) => cb(err, undefined)));
    } finally {
      close(dirFd, () => {});
    }
    return walFd;
  };
  const inner = coalescingSync((done) => {
    fd ??= openWal();
    fd.then(
      (f) => fdatasync(f, (err) => done(err)),
      (err: Error) => done(err),
    );
  });
  return {
    flush: () => inner.flush(),
    get pending() {
      return inner.pending;
    },
    async close() {
      const f = fd && (await fd.catch(() => null));
      if (f !== null && f !== undefined) await call<void>((cb) => close(f, (err) => cb(err, undefined)));
    },
  };
}
