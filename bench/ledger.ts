// Benchmark: how many coin transfers per second the relay settles with full durability, against
// the bare Ed25519 verify rate of the same machine measured in the same run.
//
// 1. Baseline: node:crypto Ed25519 verify in a loop on one thread, over a typical transfer's
//    signed bytes (public key object made once): the most a one-core verifier could settle.
// 2. Settlement, in process: the relay's own Settlement over its SqliteLedgerStore in a temporary
//    directory (WAL, group commit, one WAL sync per batch off the event loop, receipts signed
//    only after it, the relay's V8 settings: as the relay runs it), fed
//    pre-signed transfers from many payers with a window of transfers in flight. A transfer
//    counts when its signed receipt is back. Target: ≥ 0.7 × the baseline.
// 3. Latency at half that load: transfers paced (open loop) at half the measured rate; p99 from
//    submit to signed receipt, over the 8 s that follow a first second at half load. That first
//    second is the relay recovering from the saturated run just before (its backlog of WAL to
//    checkpoint, its garbage to collect), not steady half load: its p99 is reported beside, for
//    context. Target: ≤ 20 ms.
// 4. For context, the same through /v1: a real relay process and WebSocket clients in this
//    process (which compete with the relay for the same two cores).
//
// Transfers are signed before any timing starts: signing is the payer's work, on its own device.
// Call: `await benchLedger(console.log)`; the result is a BenchResult (bench/lib/report.ts shape)
// plus `figures` with the raw numbers.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TestAccount } from '../src/core/ledger/testing.ts';
import { transferSigningBytes, type SignedTransfer } from '../src/core/ledger/transfer.ts';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../src/core/protocol.ts';
import { generateKeyPair } from '../relay/ledger/keys.ts';
import { workerLedgerCrypto } from '../relay/ledger/ledger-crypto.ts';
import { Settlement } from '../relay/ledger/settlement.ts';
import { SqliteLedgerStore } from '../relay/ledger/sqlite-store.ts';
import { tuneV8ForRelay } from '../relay/v8-tuning.ts';
import { startRelay } from '../tests/support/relay-process.ts';
import { operatorOf } from '../tests/relay/ledger-client.ts';

/** Same shape as bench/lib/report.ts's Row and BenchResult (kept structural, not imported). */
export interface LedgerBenchRow {
  figure: string;
  value: string;
  baseline: string;
  target: string;
  met: boolean | null;
}

export interface LedgerBenchFigures {
  /** Bare node:crypto Ed25519 verifies per second, one thread. */
  verifyPerSecond: number;
  /** Settled (durable, receipted) transfers per second, in process. */
  settledPerSecond: number;
  ratio: number;
  /** Settlement latency at half load, milliseconds. */
  halfLoadRate: number;
  p50Ms: number;
  p99Ms: number;
  /** p99 counted from when each paced transfer was due rather than when it was submitted. */
  p99FromScheduleMs: number;
  /** p99 of the first second at half load, right after the saturated run (not counted above). */
  p99WarmingMs: number;
  /** p99 of each 2-second window of the measured part. */
  windowP99Ms: number[];
  /** Transactions (fsyncs) per second during the throughput run, and transfers per transaction. */
  batchesPerSecond: number;
  transfersPerBatch: number;
  /** The same through /v1 with a real relay process (context). */
  v1SettledPerSecond: number;
}

export interface LedgerBenchResult {
  title: string;
  rows: LedgerBenchRow[];
  notes: string[];
  seconds: number;
  figures: LedgerBenchFigures;
}

const PAYERS = 200;
const PER_PAYER = 200;
/** Transfers of the first saturated run; at least as many are kept for the second. */
const SATURATED = 8_000;
const WARM_MS = 1_000;
const WINDOW = 4096;
const VERIFY_MS = 2_000;
const PACED_MS = 8_000;
const WINDOW_MS = 2_000;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const nearestRank = (sorted: number[], p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Payers funded by mints, and `perPayer` pre-signed transfers each (chains, in order). */
async function prepare(perPayer: number, operator: TestAccount) {
  const payers = await Promise.all(Array.from({ length: PAYERS }, () => TestAccount.create()));
  const mints: SignedTransfer[] = [];
  for (const p of payers) {
    const m = await operator.sign(p.id, 1_000_000, { kind: 'mint' });
    await operator.settled(m);
    mints.push(m);
  }
  // Round-robin across payers: each payer's chain stays in order, payers interleave.
  const chains = await Promise.all(
    payers.map(async (p, i) => {
      const out: SignedTransfer[] = [];
      for (let k = 0; k < perPayer; k++) {
        const t = await p.sign(payers[(i + 1 + (k % (PAYERS - 1))) % PAYERS]!.id, 1);
        await p.settled(t);
        out.push(t);
      }
      return out;
    }),
  );
  const transfers: SignedTransfer[] = [];
  for (let k = 0; k < perPayer; k++) for (const chain of chains) transfers.push(chain[k]!);
  return { mints, transfers };
}

function bareVerifyRate(sample: SignedTransfer): number {
  const privateKey = createPrivateKey({ key: Buffer.from(generateKeyPair().privateKey), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(privateKey);
  const message = transferSigningBytes(sample);
  const sig = nodeSign(null, message, privateKey);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < VERIFY_MS) {
    if (!nodeVerify(null, message, pub, sig)) throw new Error('baseline verify failed');
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

export async function inProcess(log: (line: string) => void) {
  // The relay's V8 settings (relay/cli.ts applies them when it starts serving).
  tuneV8ForRelay();
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-ledger-'));
  try {
    const operator = await TestAccount.create();
    const key = generateKeyPair();
    const store = new SqliteLedgerStore(join(dir, 'ledger.sqlite'), { operator: operator.id, log: key.id, sign: key.signSync }, { backgroundCheckpoint: true, asyncFsync: true });
    // As the relay runs it (server.ts): WAL synced off the event loop, signatures on worker threads.
    const settlement = new Settlement({ store, crypto: workerLedgerCrypto(key.privateKey), operator: operator.id });
    const { mints, transfers } = await prepare(PER_PAYER, operator);
    for (const r of await Promise.all(mints.map((m) => settlement.submit(m)))) if (!r.ok) throw new Error(`mint refused: ${r.code}`);
    // Saturated before and after the paced phase: the machine may be shared, and a rate
    // measured in a quiet moment would make "half load" an overload a moment later.
    const before = transfers.slice(0, SATURATED);

    const saturate = async (batch: SignedTransfer[]) => {
      const batches0 = settlement.batches;
      let next = 0;
      let done = 0;
      const start = performance.now();
      await new Promise<void>((resolve, reject) => {
        const pump = () => {
          while (next < batch.length && next - done < WINDOW) {
            settlement.submit(batch[next++]).then((r) => {
              if (!r.ok) return reject(new Error(`refused: ${r.code} ${r.message}`));
              if (++done === batch.length) resolve();
              else pump();
            }, reject);
          }
        };
        pump();
      });
      return { seconds: (performance.now() - start) / 1000, batches: settlement.batches - batches0 };
    };
    const first = await saturate(before);
    const rate = before.length / first.seconds;
    log(`ledger: ${before.length} transfers settled in ${fmt(first.seconds, 2)} s (${fmt(rate)}/s, ${first.batches} transactions)`);

    // Latency at half load, open loop.
    const halfRate = rate / 2;
    const paced = transfers.slice(SATURATED, transfers.length - (SATURATED * 3) / 4);
    const pacedCount = Math.min(paced.length, Math.floor((halfRate * (WARM_MS + PACED_MS)) / 1000));
    const warmCount = Math.floor((halfRate * WARM_MS) / 1000);
    if (pacedCount - warmCount < 1000) throw new Error(`too few transfers prepared for ${fmt(halfRate)}/s`);
    // When each transfer was sent and answered, in arrays made before the clock starts: arrays
    // grown while measuring were copied by every young-generation GC of the process measured
    // (about 0.8 MB each time, measured with --trace-gc-nvp), which lengthened its pauses.
    const sentAt = new Float64Array(pacedCount);
    const doneAt = new Float64Array(pacedCount);
    const t0 = performance.now();
    const dueAt = (i: number) => t0 + (i * 1000) / halfRate;
    // Answers are counted, not kept: thousands of retained promises would only add garbage
    // collection work to the process being measured.
    let outstanding = 0;
    let sentAll = false;
    let failed: Error | null = null;
    let finished = () => {};
    const allAnswered = new Promise<void>((resolve) => (finished = resolve));
    for (let i = 0; i < pacedCount; i++) {
      const wait = dueAt(i) - performance.now();
      if (wait > 1) await sleep(wait);
      sentAt[i] = performance.now();
      outstanding++;
      void settlement.submit(paced[i]).then((r) => {
        doneAt[i] = performance.now();
        if (!r.ok) failed ??= new Error(`refused: ${r.code}`);
        if (--outstanding === 0 && sentAll) finished();
      });
    }
    sentAll = true;
    if (outstanding > 0) await allAnswered;
    if (failed) throw failed;
    const sorted = (from: number, to: number, start: (i: number) => number = (i) => sentAt[i]!) =>
      Array.from({ length: Math.max(0, Math.min(to, pacedCount) - from) }, (_, k) => doneAt[from + k]! - start(from + k)).sort((a, b) => a - b);
    const warming = sorted(0, warmCount);
    const latencies = sorted(warmCount, pacedCount);
    // Also from when each transfer was due: a transfer sent late because the event loop was busy
    // (with the relay's own work, in this shared process) would have waited in a socket buffer.
    const fromSchedule = sorted(warmCount, pacedCount, dueAt);
    // Latencies by window of the measured part, to show how the tail comes in bursts.
    const perWindow = Math.round((halfRate * WINDOW_MS) / 1000);
    const windows = Array.from({ length: Math.ceil((pacedCount - warmCount) / perWindow) }, (_, w) => sorted(warmCount + w * perWindow, warmCount + (w + 1) * perWindow));
    const windowP99 = windows.filter((w) => w.length > 100).map((w) => nearestRank(w, 99));
    // Whatever the paced phase did not send comes first: each payer's chain stays in order.
    const rest = transfers.slice(SATURATED + pacedCount);
    const second = await saturate(rest);
    log(`ledger: then ${rest.length} transfers settled in ${fmt(second.seconds, 2)} s (${fmt(rest.length / second.seconds)}/s)`);
    await settlement.shutdown();
    await store.close();
    const seconds = first.seconds + second.seconds;
    const count = before.length + rest.length;
    return {
      rate: count / seconds,
      rates: [rate, rest.length / second.seconds],
      batches: first.batches + second.batches,
      seconds,
      count,
      halfRate,
      p50: nearestRank(latencies, 50),
      p99: nearestRank(latencies, 99),
      p99FromSchedule: nearestRank(fromSchedule, 99),
      p99Warming: nearestRank(warming, 99),
      windowP99,
      warmingSamples: warming.length,
      samples: latencies.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same transfers through /v1: a real relay process, WebSocket clients here. */
async function overV1(log: (line: string) => void): Promise<number> {
  const relay = await startRelay({ args: ['--v1-rate-limit', '1000000', '--v1-rate-burst', '1000000'], startTimeoutMs: 60_000 });
  try {
    const operator = operatorOf(relay.dataDir);
    const { mints, transfers } = await prepare(40, operator);
    const url = relay.signalUrl.replace('/signal', '/v1');
    const CLIENTS = 4;
    const sockets = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const ws = new WebSocket(url);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        ws.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, agent: 'bench' }));
        return ws;
      }),
    );
    // Every socket answers receipts by id; errors are failures of the benchmark.
    const waiting = new Map<string, () => void>();
    for (const ws of sockets) {
      ws.on('message', (data: Buffer) => {
        const d = decodeServerFrame(new Uint8Array(data));
        if (!d.ok) throw new Error(d.reason);
        const h = d.frame.header;
        if (h.t === 'error') throw new Error(`relay refused: ${h.code} ${h.message}`);
        if (h.t === 'receipt') waiting.get(h.id)?.();
      });
    }
    const send = (t: SignedTransfer, ws: WebSocket) =>
      new Promise<void>((resolve) => {
        waiting.set(t.id, resolve);
        ws.send(encodeFrame({ t: 'transfer', id: t.id, transfer: t }));
      });
    await Promise.all(mints.map((m) => send(m, sockets[0]!)));
    // A payer's chain always goes through the same socket, so its order is kept.
    const socketOf = new Map<string, WebSocket>();
    let next = 0;
    let done = 0;
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (next < transfers.length && next - done < WINDOW) {
          const t = transfers[next++]!;
          let ws = socketOf.get(t.from);
          if (!ws) socketOf.set(t.from, (ws = sockets[socketOf.size % CLIENTS]!));
          void send(t, ws).then(() => {
            if (++done === transfers.length) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    const rate = transfers.length / ((performance.now() - start) / 1000);
    log(`ledger over /v1: ${transfers.length} transfers in ${fmt((performance.now() - start) / 1000, 2)} s (${fmt(rate)}/s)`);
    for (const ws of sockets) ws.close();
    return rate;
  } finally {
    await relay.stop();
  }
}

/**
 * The disk's own floor for the latency target: p50/p99 of one 4 KiB append + fdatasync, the one
 * durable step every settled batch must wait for, on the same temporary file system.
 */
function fdatasyncLatency(samples = 2000): { p50: number; p99: number } {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-sync-'));
  const fd = openSync(join(dir, 'sync.tmp'), 'w');
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(samples * 0.5)]!, p99: times[Math.floor(samples * 0.99)]! };
}

/**
 * What a WAL checkpoint asks of the disk: rounds of 200 random 4 KiB writes into a 64 MiB file,
 * each round ended by an fdatasync, for `ms`. Random writes per second and the sync's p99.
 */
function randomWriteRate(ms = 2_000): { perSecond: number; syncP99: number } {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-random-'));
  const fd = openSync(join(dir, 'random.tmp'), 'w+');
  const SIZE = 64 * 1024 * 1024;
  const block = Buffer.alloc(4096, 9);
  const syncs: number[] = [];
  let writes = 0;
  try {
    for (let o = 0; o < SIZE; o += 1024 * 1024) writeSync(fd, Buffer.alloc(1024 * 1024, 1), 0, 1024 * 1024, o);
    fdatasyncSync(fd);
    const start = performance.now();
    while (performance.now() - start < ms) {
      for (let i = 0; i < 200; i++, writes++) writeSync(fd, block, 0, 4096, Math.floor(Math.random() * (SIZE / 4096)) * 4096);
      const t0 = performance.now();
      fdatasyncSync(fd);
      syncs.push(performance.now() - t0);
    }
    syncs.sort((a, b) => a - b);
    return { perSecond: writes / ((performance.now() - start) / 1000), syncP99: nearestRank(syncs, 99) };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchLedger(log: (line: string) => void = () => {}): Promise<LedgerBenchResult> {
  const began = performance.now();
  const load = [loadavg()[0]!];
  const sample = await (await TestAccount.create()).sign((await TestAccount.create()).id, 1, { memo: 'a typical memo for a tip in a chat' });
  const before = bareVerifyRate(sample);
  log(`ledger: bare Ed25519 verify ${fmt(before)}/s (one thread)`);
  const sync = fdatasyncLatency();
  log(`ledger: 4 KiB append + fdatasync p50 ${fmt(sync.p50, 2)} ms, p99 ${fmt(sync.p99, 2)} ms`);
  const random = randomWriteRate();
  log(`ledger: ${fmt(random.perSecond)} random 4 KiB writes/s, fdatasync of 200 of them p99 ${fmt(random.syncP99, 1)} ms`);
  const settled = await inProcess(log);
  const after = bareVerifyRate(sample);
  const verify = (before + after) / 2;
  load.push(loadavg()[0]!);
  const v1 = await overV1(log);
  const ratio = settled.rate / verify;
  const figures: LedgerBenchFigures = {
    verifyPerSecond: verify,
    settledPerSecond: settled.rate,
    ratio,
    halfLoadRate: settled.halfRate,
    p50Ms: settled.p50,
    p99Ms: settled.p99,
    p99FromScheduleMs: settled.p99FromSchedule,
    p99WarmingMs: settled.p99Warming,
    windowP99Ms: settled.windowP99,
    batchesPerSecond: settled.batches / settled.seconds,
    transfersPerBatch: settled.count / settled.batches,
    v1SettledPerSecond: v1,
  };
  const baseline = `${fmt(verify)} Ed25519 verify/s, one thread (${fmt(before)} before, ${fmt(after)} after)`;
  return {
    title: 'Ledger settlement (FULL durability)',
    rows: [
      { figure: `settled transfers/s, ${fmt(settled.count)} transfers from ${PAYERS} payers, ${WINDOW} in flight`, value: `${fmt(settled.rate)}/s (${fmt(ratio, 2)}× the baseline; ${fmt(settled.rates[0]!)} before, ${fmt(settled.rates[1]!)} after the paced phase)`, baseline, target: '≥ 0.7 × baseline', met: ratio >= 0.7 },
      { figure: `settle latency p50 at half load (${fmt(settled.halfRate)}/s paced; ${settled.samples} transfers over ${PACED_MS / 1000} s after ${WARM_MS / 1000} s at that rate)`, value: `${fmt(settled.p50, 2)} ms`, baseline: '—', target: '—', met: null },
      { figure: 'settle latency p99 at half load', value: `${fmt(settled.p99, 2)} ms`, baseline: `disk: one 4 KiB append + fdatasync p50 ${fmt(sync.p50, 2)} ms, p99 ${fmt(sync.p99, 2)} ms; ${fmt(random.perSecond)} random 4 KiB writes/s, an fdatasync of 200 of them p99 ${fmt(random.syncP99, 1)} ms`, target: '≤ 20 ms', met: settled.p99 <= 20 },
      { figure: 'settle latency p99 at half load, counted from when each transfer was due', value: `${fmt(settled.p99FromSchedule, 2)} ms`, baseline: '—', target: '— (context)', met: null },
      { figure: `settle latency p99 of each ${WINDOW_MS / 1000}-second window of the same ${PACED_MS / 1000} s`, value: settled.windowP99.map((x) => `${fmt(x, 1)}`).join(', ') + ' ms', baseline: '—', target: '— (context: how the tail comes in bursts)', met: null },
      { figure: `settle latency p99 in the first second at half load, right after the saturated run (${settled.warmingSamples} transfers, not counted above)`, value: `${fmt(settled.p99Warming, 2)} ms`, baseline: '—', target: '— (context)', met: null },
      { figure: 'transactions (fsyncs) per second / transfers per transaction', value: `${fmt(figures.batchesPerSecond)} / ${fmt(figures.transfersPerBatch, 1)}`, baseline: '—', target: '—', met: null },
      { figure: 'settled transfers/s through /v1 (relay process + 4 WebSocket clients on the same machine)', value: `${fmt(v1)}/s (${fmt(v1 / verify, 2)}× the baseline)`, baseline, target: '— (context)', met: null },
    ],
    notes: [
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; 1-minute load average ${fmt(load[0]!, 1)} at the start, ${fmt(load[1]!, 1)} after the in-process runs (other work on the machine shows here, and skews every figure).`,
      'Half load is half the rate measured just before it; the saturated rate is measured again right after, and the throughput figure is over both runs.',
      `Latency at half load is taken over ${PACED_MS / 1000} s after a first ${WARM_MS / 1000} s at that rate: that first second is the relay recovering from the saturated run just before (the WAL it wrote being checkpointed, its garbage collected), not steady half load, and its p99 has its own row.`,
      'Settled = verified (signature, seq, prev, balance), committed in a SQLite WAL transaction and the WAL fdatasynced (one sync per batch, on the thread pool instead of inside COMMIT on the event loop: relay/ledger/wal-sync.ts; as durable as synchronous=FULL), then a receipt signed by the ledger key. The count stops when the receipt is back.',
      'Signature work (verifying transfers, signing receipts) runs on worker threads with node:crypto, in jobs of at most 16; the first worker takes jobs until it holds about 2 ms of work, then the least loaded one does (at half load one worker suffices, and waking the second cost the main thread its core); receipt signatures go ahead of queued verifications. Public keys are imported once per worker and cached. The process runs with the relay\'s V8 settings (relay/v8-tuning.ts: no allocation-site pretenuring).',
      'What a batch writes (ledger layout 2, docs/decisions.md #22): the transfers (each row carrying its Merkle nodes and its payer\'s and payee\'s history links), the id index, the accounts and one checkpoint: about 12 SQLite pages for a batch of 5, some 10 KiB of WAL per transfer (layout 1: about 40 pages, 32 KiB). The tail comes in bursts (the per-window row): a slow fdatasync or a garbage collection holds up every transfer behind it, and on this shared disk a single stall of ~100 ms, rare as it is, lifts a whole run\'s p99 over the target.',
      'Latency is counted from submit (the target row, as in earlier runs) and, for context, from when each transfer was due: the load generator runs in the relay\'s process, so when the relay blocks the event loop a transfer is submitted late, and in a real relay it would have waited in a socket buffer for that time.',
      'Transfers are signed before timing (signing is the payer\'s work). Each payer\'s transfers form a chain (seq, prev) and arrive in order.',
      'Baseline: node:crypto Ed25519 verify of a transfer\'s signed bytes in a loop on one thread, measured before and after the settlement run.',
      'The /v1 row is context: the WebSocket clients run in the benchmark process on the same two cores as the relay, so they take CPU the relay would otherwise use.',
    ],
    seconds: (performance.now() - began) / 1000,
    figures,
  };
}
