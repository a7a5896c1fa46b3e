// The signature work of settlement — verifying payers' transfers, signing receipts — behind one
// small interface, with two implementations:
// - `webCryptoLedger`: src/core's WebCrypto functions (the libuv thread pool does the math).
//   Simple, and what the `mint` command and unit tests use.
// - `workerLedgerCrypto`, what the relay uses: worker threads doing node:crypto Ed25519 in jobs
//   of at most 16 items: a job crosses to a worker as one packed buffer, so the main thread pays
//   a few microseconds per transfer instead of WebCrypto's per-call dispatch (about 30 µs each
//   for verify and sign, measured; see bench/ledger.ts). Jobs go to the first worker until it
//   holds about 2 ms of work, then to the least loaded (SPILL_US), and each worker runs receipt
//   signatures ahead of the verifications queued on it, so a durable batch's receipts never
//   wait behind a burst.
// - `adaptiveLedgerCrypto`: WebCrypto for small batches, workers for large ones. The relay used
//   it until the WAL sync moved to libuv's thread pool (wal-sync.ts), where WebCrypto jobs
//   would queue ahead of it.
//
// Invariants:
// - Both implementations give the same answers: a transfer verifies iff verifyTransferSignature
//   says so (same signed bytes, same key), and Ed25519 is deterministic, so receipts are
//   byte-identical whichever signed them (relay/ledger/ledger-crypto.test.ts checks both).
// - Public keys are imported once per worker and cached (bounded); a malformed key just fails to
//   verify. Nothing here throws for hostile input.
// - A crashed worker fails only the batches it held (their promises reject: settlement answers
//   `unavailable`) and is replaced.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fromBase64Url, toBase64Url } from '../../src/core/bytes.ts';
import { receiptSigningBytes, signReceipt, type Receipt, type ReceiptBody } from '../../src/core/ledger/checkpoint.ts';
import { transferSigningBytes, verifyTransferSignature, type SignedTransfer } from '../../src/core/ledger/transfer.ts';

export interface LedgerCrypto {
  verifyTransfers(transfers: SignedTransfer[]): Promise<boolean[]>;
  signReceipts(bodies: ReceiptBody[]): Promise<Receipt[]>;
  close(): Promise<void>;
}

export function webCryptoLedger(ledgerPrivateKey: Uint8Array): LedgerCrypto {
  return {
    verifyTransfers: (ts) => Promise.all(ts.map(verifyTransferSignature)),
    signReceipts: (bodies) => Promise.all(bodies.map((b) => signReceipt(ledgerPrivateKey, b))),
    close: async () => {},
  };
}

// Plain JavaScript, evaluated in each worker: it must load the same way under tsx, vitest and a
// bundler, so it imports nothing of ours. Messages: {id, op: 'verify'|'sign', buf, count}.
// verify items: key(32) ‖ sig(64) ‖ u32le length ‖ message; answer: one byte (0/1) per item.
// sign items: u32le length ‖ message; answer: 64 bytes per item.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const signer = crypto.createPrivateKey({ key: Buffer.from(workerData.pkcs8), format: 'der', type: 'pkcs8' });
const keys = new Map();
function publicKey(raw) {
  const id = raw.toString('latin1');
  let k = keys.get(id);
  if (k === undefined) {
    if (keys.size >= 50000) keys.clear();
    try { k = crypto.createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' }); } catch { k = null; }
    keys.set(id, k);
  }
  return k;
}
// Jobs are queued here, receipt signatures ahead of verifications, and run one per turn of the
// worker's event loop, so messages that arrived meanwhile are queued (and a sign job overtakes
// verify jobs) before the next one starts. The main thread posts every job at once and never
// waits on a worker to be free.
const signs = [], verifies = [];
let scheduled = false;
parentPort.on('message', (job) => {
  (job.op === 'sign' ? signs : verifies).push(job);
  if (!scheduled) { scheduled = true; setImmediate(next); }
});
function next() {
  const job = signs.shift() ?? verifies.shift();
  if (job) run(job);
  scheduled = signs.length + verifies.length > 0;
  if (scheduled) setImmediate(next);
}
function run({ id, op, buf, count }) {
  const b = Buffer.from(buf);
  let o = 0;
  if (op === 'verify') {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const key = b.subarray(o, o + 32), sig = b.subarray(o + 32, o + 96), len = b.readUInt32LE(o + 96);
      const msg = b.subarray(o + 100, o + 100 + len);
      o += 100 + len;
      const k = publicKey(key);
      let ok = false;
      if (k) { try { ok = crypto.verify(null, msg, k, sig); } catch { ok = false; } }
      out[i] = ok ? 1 : 0;
    }
    parentPort.postMessage({ id, buf: out.buffer }, [out.buffer]);
  } else {
    const out = new Uint8Array(count * 64);
    for (let i = 0; i < count; i++) {
      const len = b.readUInt32LE(o);
      out.set(crypto.sign(null, b.subarray(o + 4, o + 4 + len), signer), i * 64);
      o += 4 + len;
    }
    parentPort.postMessage({ id, buf: out.buffer }, [out.buffer]);
  }
}
`;

interface Job {
  resolve: (buf: ArrayBuffer) => void;
  reject: (err: unknown) => void;
  cost: number;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Estimated work posted to this worker (µs): the next job goes to the least loaded. */
  load: number;
}

/** Rough cost of one item (µs of node:crypto Ed25519 on the target): to balance the workers. */
const COST = { verify: 160, sign: 60 };

/**
 * The first worker takes every job while it holds less than this much work (µs); beyond it, jobs
 * go to the least loaded worker. At moderate load one worker is enough, and waking a second one
 * for every other job cost the main thread dearly on a 2-core machine: the woken worker took the
 * main thread's core (measured at half load in bench/ledger.ts: postMessage 1.1 s of main-thread
 * time per 8 s spread over two workers, 0.3 s with one; main thread 245 → 215 µs per transfer).
 * Under heavy load the first worker's queue passes this at once and both work.
 */
const SPILL_US = 2_000;

class Pool {
  private readonly workers: Slot[] = [];
  /** Jobs posted to each worker so far (tests and diagnostics). */
  readonly jobs: number[];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly pkcs8: Uint8Array,
    threads: number,
  ) {
    for (let i = 0; i < threads; i++) this.workers.push(this.spawn());
    this.jobs = this.workers.map(() => 0);
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pkcs8: this.pkcs8 } });
    const slot: Slot = { worker, jobs: new Map(), load: 0 };
    // A pool nobody closed must not keep a process (a CLI, a test) alive.
    worker.unref();
    worker.on('message', ({ id, buf }: { id: number; buf: ArrayBuffer }) => {
      const job = slot.jobs.get(id);
      slot.jobs.delete(id);
      if (job) slot.load -= job.cost;
      job?.resolve(buf);
    });
    const fail = (err: unknown) => {
      for (const job of slot.jobs.values()) job.reject(err);
      slot.jobs.clear();
      slot.load = 0;
      const i = this.workers.indexOf(slot);
      if (i >= 0 && !this.closed) this.workers[i] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`ledger crypto worker exited with code ${code}`));
    });
    return slot;
  }

  run(op: 'verify' | 'sign', buf: Uint8Array, count: number): Promise<ArrayBuffer> {
    if (this.closed) return Promise.reject(new Error('ledger crypto pool is closed'));
    const first = this.workers[0]!;
    const slot = first.load < SPILL_US ? first : this.workers.reduce((a, b) => (b.load < a.load ? b : a));
    this.jobs[this.workers.indexOf(slot)]!++;
    const cost = count * COST[op];
    slot.load += cost;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject, cost });
      const copy = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? buf : buf.slice();
      slot.worker.postMessage({ id, op, buf: copy.buffer, count }, [copy.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { jobs } of this.workers) for (const job of jobs.values()) job.reject(new Error('ledger crypto pool closed'));
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}

/**
 * Items per job. Small enough that a receipt signature never waits long behind a verify chunk
 * (16 × 160 µs ≈ 2.5 ms at most), large enough that messaging costs little per item. A small
 * request is one job, not split over the workers: at half load (batches of about 5) every extra
 * job is one more message each way and one more thread woken on a 2-core machine, and splitting
 * measured worse (half-load p99 median of 6 runs 17.5 ms split, 15.4 ms whole; bench/ledger.ts).
 * Large requests still spread over every worker, a job each.
 */
const CHUNK = 16;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function pack(parts: Uint8Array[][]): Uint8Array {
  let total = 0;
  for (const p of parts) for (const x of p) total += x.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts)
    for (const x of p) {
      out.set(x, o);
      o += x.length;
    }
  return out;
}

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

const ZERO_KEY = new Uint8Array(32);
const ZERO_SIG = new Uint8Array(64);

export function workerLedgerCrypto(ledgerPrivateKey: Uint8Array, threads = Math.max(1, availableParallelism())): LedgerCrypto & { jobsPerWorker(): number[] } {
  const pool = new Pool(ledgerPrivateKey, threads);
  return {
    jobsPerWorker: () => [...pool.jobs],
    async verifyTransfers(transfers) {
      const results = await Promise.all(
        chunks(transfers).map((group) => {
          const items = group.map((t) => {
            // Ids and signatures passed the schema, so these decode; a zero key never verifies.
            const key = fromBase64Url(t.from) ?? ZERO_KEY;
            const sig = fromBase64Url(t.sig) ?? ZERO_SIG;
            const message = transferSigningBytes(t);
            return [key.length === 32 ? key : ZERO_KEY, sig.length === 64 ? sig : ZERO_SIG, u32(message.length), message];
          });
          return pool.run('verify', pack(items), group.length);
        }),
      );
      return results.flatMap((buf) => [...new Uint8Array(buf)].map((b) => b === 1));
    },
    async signReceipts(bodies) {
      const results = await Promise.all(
        chunks(bodies).map((group) => {
          const items = group.map((b) => {
            const message = receiptSigningBytes(b);
            return [u32(message.length), message];
          });
          return pool.run('sign', pack(items), group.length);
        }),
      );
      const sigs = results.flatMap((buf) => {
        const all = new Uint8Array(buf);
        return Array.from({ length: all.length / 64 }, (_, i) => all.subarray(i * 64, i * 64 + 64));
      });
      return bodies.map((b, i) => ({ ...b, sig: toBase64Url(sigs[i]!) }));
    },
    close: () => pool.close(),
  };
}

/** Small batches on WebCrypto (latency), large ones on worker threads (throughput). */
export function adaptiveLedgerCrypto(ledgerPrivateKey: Uint8Array, threads?: number, smallBatch = 16): LedgerCrypto {
  const web = webCryptoLedger(ledgerPrivateKey);
  const workers = workerLedgerCrypto(ledgerPrivateKey, threads);
  return {
    verifyTransfers: (ts) => (ts.length <= smallBatch ? web : workers).verifyTransfers(ts),
    signReceipts: (bodies) => (bodies.length <= smallBatch ? web : workers).signReceipts(bodies),
    close: () => workers.close(),
  };
}
