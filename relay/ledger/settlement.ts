// Settlement: from an untrusted transfer to a signed receipt.
//
//   parse + stateless rules (main thread, cheap)
//   → signature verification in batches: everything submitted in one turn of the event loop is
//     verified together (in requests of at most 64), off the main thread (ledger-crypto.ts:
//     worker threads on the relay), so every core verifies while the main thread goes on
//   → group commit: the longest prefix of the arrival queue whose signatures are checked goes
//     to the store as ONE transaction (one fsync; on the relay the fsync runs off the event loop,
//     wal-sync.ts, and transfers verified meanwhile form the next batch)
//   → only then the batch's receipts are signed (off the main thread again, ahead of pending
//     verifications) and answered.
// There is no batching window: a lone transfer is committed as soon as it is verified, and
// batches grow only with load (whatever arrived while the previous batch was being made durable).
//
// Invariants:
// - A receipt is signed only after the transaction holding its transfer is durable: a signed
//   receipt is always backed by the log, even if the process dies the next instant.
// - Transfers reach the store in arrival order (a payer may pipeline seq n and n+1), whatever
//   order their signatures finish in. At most one batch is in the store at a time.
// - Every submit settles: with a receipt, a refusal, `unavailable` (too busy, closing, or the
//   store failed), never a hang. Expected failures are values; the promise rejects only on bugs.
import type { Receipt } from '../../src/core/ledger/checkpoint.ts';
import type { LedgerErrorCode } from '../../src/core/ledger/refusal.ts';
import { checkTransfer } from '../../src/core/ledger/rules.ts';
import { parseEncodedTransfer } from '../../src/core/ledger/transfer.ts';
import type { AccountId } from '../../src/core/ids.ts';
import type { LedgerCrypto } from './ledger-crypto.ts';
import { sha256Hex } from './settle-tx.ts';
import type { LedgerStore, SettleOutcome, SettleRequest } from './store.ts';

export type SettleResult =
  | { ok: true; receipt: Receipt; duplicate: boolean }
  | { ok: false; code: LedgerErrorCode | 'unavailable'; message: string };

export interface SettlementOptions {
  store: LedgerStore;
  /** Verifies payers' signatures and signs receipts with the ledger key. */
  crypto: LedgerCrypto;
  operator: AccountId;
  /** The red-packet escrow account (the ledger key); without it red-packet kinds are refused. */
  escrow?: AccountId;
  now?: () => number;
  /**
   * Most transfers in one transaction. 512 already shares one fsync among hundreds, and the
   * commit runs on the main thread: bigger batches would only make everything behind them wait.
   * (Running SQLite on a thread of its own was measured on the 2-core target and lost: the
   * copies across threads and one more busy thread cost more than the unblocked event loop
   * gained — half-load p99 37–112 ms against 30–35 ms.)
   */
  maxBatch?: number;
  /** Most transfers waiting at once; beyond it new ones are answered `unavailable`. */
  maxPending?: number;
  /** Told about failures that are not the client's doing (a store error, a bug), for the log. */
  onError?: (err: unknown) => void;
}

interface Waiting {
  request: SettleRequest;
  /** null until the signature check finished; 'failed' if it could not be done. */
  valid: boolean | 'failed' | null;
  checked: Promise<void>;
  markChecked: () => void;
  resolve: (r: SettleResult) => void;
}

/**
 * Most signatures in one request to the crypto implementation. Each request resolves on its own,
 * so under load the head of the queue can be committed while the rest is still being verified
 * (verification of the next batch overlaps the commit of this one); 64 is four worker jobs.
 */
const VERIFY_CHUNK = 64;

export class Settlement {
  private readonly queue: Waiting[] = [];
  /** Submitted in this turn of the event loop, not yet sent for verification. */
  private unverified: Waiting[] = [];
  private flushing = false;
  private draining = false;
  /** Batches committed whose receipts are still being signed. */
  private answering = 0;
  private closed = false;
  private readonly now: () => number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  /** Transactions committed so far (a test and a benchmark figure). */
  batches = 0;

  constructor(private readonly opts: SettlementOptions) {
    this.now = opts.now ?? Date.now;
    this.maxBatch = opts.maxBatch ?? 512;
    this.maxPending = opts.maxPending ?? 20_000;
  }

  pending(): number {
    return this.queue.length;
  }

  submit(input: unknown): Promise<SettleResult> {
    const parsed = parseEncodedTransfer(input);
    if (!parsed.ok) return Promise.resolve({ ok: false, ...parsed.refusal });
    const { transfer, bytes } = parsed.value;
    const refusal = checkTransfer(transfer, this.opts.operator, this.opts.escrow);
    if (refusal) return Promise.resolve({ ok: false, ...refusal });
    if (this.closed) return Promise.resolve({ ok: false, code: 'unavailable', message: 'the relay is shutting down; retry' });
    if (this.queue.length >= this.maxPending) return Promise.resolve({ ok: false, code: 'unavailable', message: 'the relay is busy; retry' });
    const request: SettleRequest = { transfer, bytes, hash: sha256Hex(bytes) };
    return new Promise((resolve) => {
      let markChecked = () => {};
      const checked = new Promise<void>((r) => (markChecked = r));
      const w: Waiting = { request, valid: null, checked, markChecked, resolve };
      this.queue.push(w);
      this.unverified.push(w);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.verify());
      }
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  /** Sends everything submitted since the last turn for verification, in chunks. */
  private verify(): void {
    this.flushing = false;
    const all = this.unverified;
    this.unverified = [];
    for (let i = 0; i < all.length; i += VERIFY_CHUNK) {
      const group = all.slice(i, i + VERIFY_CHUNK);
      this.opts.crypto.verifyTransfers(group.map((w) => w.request.transfer)).then(
        (valid) =>
          group.forEach((w, k) => {
            w.valid = valid[k] === true;
            w.markChecked();
          }),
        (err: unknown) => {
          this.opts.onError?.(err);
          for (const w of group) {
            w.valid = 'failed';
            w.markChecked();
          }
        },
      );
    }
  }

  /** Stops taking transfers; those already queued are still settled or answered. */
  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.queue[0]!.checked;
        // Let signature checks that finished meanwhile join this batch.
        await new Promise((r) => setImmediate(r));
        let n = 0;
        while (n < this.queue.length && n < this.maxBatch && this.queue[n]!.valid !== null) n++;
        const taken = this.queue.splice(0, n);
        const good = taken.filter((w) => w.valid === true);
        for (const w of taken) {
          if (w.valid === false) w.resolve({ ok: false, code: 'bad-signature', message: "the signature is not the payer's" });
          if (w.valid === 'failed') w.resolve({ ok: false, code: 'unavailable', message: 'the relay could not check this signature right now; retry' });
        }
        if (good.length === 0) continue;
        let outcomes: SettleOutcome[];
        try {
          outcomes = await this.opts.store.settleBatch(
            good.map((w) => w.request),
            this.now(),
          );
          this.batches++;
        } catch (err) {
          this.opts.onError?.(err);
          // The transaction did not commit (disk full, database locked too long, closed):
          // nothing of the batch happened, and every payer may retry with the same transfer.
          for (const w of good) w.resolve({ ok: false, code: 'unavailable', message: 'the relay could not settle this right now; retry' });
          continue;
        }
        // Durable now. Receipts are signed off the main thread while the next batch commits.
        this.answering++;
        void this.answer(good, outcomes).finally(() => this.answering--);
      }
    } finally {
      this.draining = false;
    }
  }

  private async answer(batch: Waiting[], outcomes: SettleOutcome[]): Promise<void> {
    const settled: { w: Waiting; duplicate: boolean }[] = [];
    const bodies = [];
    for (const [i, w] of batch.entries()) {
      const o = outcomes[i]!;
      if (!o.ok) {
        w.resolve({ ok: false, ...o.refusal });
        continue;
      }
      settled.push({ w, duplicate: o.duplicate });
      bodies.push({ v: 1 as const, id: w.request.transfer.id, hash: w.request.hash, index: o.index, checkpoint: o.checkpoint });
    }
    if (bodies.length === 0) return;
    try {
      const receipts = await this.opts.crypto.signReceipts(bodies);
      settled.forEach(({ w, duplicate }, i) => w.resolve({ ok: true, receipt: receipts[i]!, duplicate }));
    } catch (err) {
      // Settled and durable, but unsigned: a retry of the same transfer gets its receipt.
      this.opts.onError?.(err);
      for (const { w } of settled) w.resolve({ ok: false, code: 'unavailable', message: 'the relay could not sign a receipt; retry' });
    }
  }

  /** Closes the crypto implementation (worker threads) once nothing is pending. */
  async shutdown(): Promise<void> {
    this.close();
    const deadline = Date.now() + 2_000;
    while ((this.queue.length > 0 || this.draining || this.answering > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.opts.crypto.close();
  }
}
