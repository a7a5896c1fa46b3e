// Moves SQLite's WAL checkpoints off the settlement path. By default the connection that commits
// also checkpoints (copies the WAL into the database file and fsyncs it) once the WAL passes 1000
// pages, inside a commit, on the relay's main thread: a stall of tens of milliseconds for every
// transfer waiting behind it. Here the committing connection never checkpoints; a worker thread
// with its own connection checkpoints every `everyMs`, PASSIVE, which copies what the WAL holds
// without ever blocking the writer. When the writer pauses, the next commit then starts the WAL
// over from its beginning.
//
// Under steady heavy load the writer never pauses, so PASSIVE alone let the WAL grow without
// bound (270 MB in 4 s of the ledger benchmark): a relay settling all day would fill its disk.
// So once the WAL holds more than `restartAboveBytes`, the checkpointer also runs RESTART, which
// copies the frames committed since the PASSIVE and makes the next commit reuse the file from its
// start. RESTART holds the write lock while it copies and syncs the database file: 0.03–9 ms on a
// quiet disk, but up to 100 ms when the disk is saturated (measured in the ledger benchmark), and
// the main thread's commit waits that long (busy_timeout). Hence only above a threshold (64 MB by
// default: under ordinary load PASSIVE keeps up and RESTART never runs), not on every tick.
// `journal_size_limit` (sqlite-store.ts) truncates the file back to twice that after a restart.
//
// Invariants: durability is unchanged (a commit is durable once its WAL frames are fsynced; the
// checkpoint only moves them). If the worker fails, the committing connection checkpoints again
// itself (the `fallback`), so the WAL can never grow without bound.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const pageSize = db.pragma('page_size', { simple: true });
const timer = setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive && passive.log * pageSize > workerData.restartAboveBytes) db.pragma('wal_checkpoint(RESTART)');
  } catch { /* busy: the next tick tries again */ }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** Past this much WAL the checkpointer also restarts it (sqlite-store.ts truncates it back to twice that). */
export const WAL_RESTART_BYTES = 64 * 1024 * 1024;

export interface WalCheckpointerOptions {
  everyMs?: number;
  /** RESTART once the WAL holds more than this (PASSIVE alone until then). */
  restartAboveBytes?: number;
}

export function startWalCheckpointer(file: string, fallback: () => void, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const workerData = { file, sqlite, everyMs: options.everyMs ?? 500, restartAboveBytes: options.restartAboveBytes ?? WAL_RESTART_BYTES };
  const worker = new Worker(SOURCE, { eval: true, workerData });
  worker.unref();
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const failed = () => {
    if (!stopping) fallback();
  };
  worker.once('error', failed);
  worker.once('exit', failed);
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
