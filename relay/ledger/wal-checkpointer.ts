// Moves SQLite's WAL checkpoints off the settlement path. By default the connection that commits
// also checkpoints (copies the WAL into the database file and fsyncs it) once the WAL passes 1000
// pages, inside a commit, on the relay's main thread: a stall of tens of milliseconds for every
// transfer waiting behind it. Here the committing connection never checkpoints; a worker thread
// with its own connection runs PASSIVE checkpoints (which never block the writer) every
// `everyMs`.
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
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
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

export function startWalCheckpointer(file: string, fallback: () => void, everyMs = 500): WalCheckpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(SOURCE, { eval: true, workerData: { file, sqlite, everyMs } });
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
