// Settlement: from an untrusted transfer to a signed receipt.
//
//   parse + stateless rules (main thread, cheap)
//   → signature verification, started at once for every transfer (WebCrypto: the work runs on
//     libuv's thread pool, so verification uses every core while the main thread goes on)
//   → group commit: the longest prefix of the arrival queue whose signatures are checked goes
//     to the store as ONE transaction (one fsync)
//   → only then the receipts are signed (thread pool again) and answered.
//
// Invariants:
// - A receipt is signed only after the transaction holding its transfer is durable: a signed
//   receipt is always backed by the log, even if the process dies the next instant.
// - Transfers reach the store in arrival order (a payer may pipeline seq n and n+1), whatever
//   order their signatures finish in. At most one batch is in the store at a time.
// - Every submit settles: with a receipt, a refusal, `unavailable` (too busy, closing, or the
//   store failed), never a hang. Expected failures are values; the promise rejects only on bugs.
import { toHex } from '../../src/core/bytes.ts';
import { signReceipt, type Receipt } from '../../src/core/ledger/checkpoint.ts';
import type { LedgerErrorCode } from '../../src/core/ledger/refusal.ts';
import { checkTransfer } from '../../src/core/ledger/rules.ts';
import { encodeTransfer, parseTransfer, verifyTransferSignature } from '../../src/core/ledger/transfer.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { sha256 } from './settle-tx.ts';
import type { LedgerStore, SettleOutcome, SettleRequest } from './store.ts';

export type SettleResult =
  | { ok: true; receipt: Receipt; duplicate: boolean }
  | { ok: false; code: LedgerErrorCode | 'unavailable'; message: string };

export interface SettlementOptions {
  store: LedgerStore;
  /** The ledger key (PKCS#8) that signs receipts. */
  ledgerPrivateKey: Uint8Array;
  operator: AccountId;
  now?: () => number;
  /** Most transfers in one transaction. */
  maxBatch?: number;
  /** Most transfers waiting at once; beyond it new ones are answered `unavailable`. */
  maxPending?: number;
  /** Told about failures that are not the client's doing (a store error, a bug), for the log. */
  onError?: (err: unknown) => void;
}

interface Waiting {
  request: SettleRequest;
  /** null until the signature check finished. */
  valid: boolean | null;
  checked: Promise<void>;
  resolve: (r: SettleResult) => void;
}

export class Settlement {
  private readonly queue: Waiting[] = [];
  private draining = false;
  private closed = false;
  private readonly now: () => number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  /** Transactions committed so far (a test and a benchmark figure). */
  batches = 0;

  constructor(private readonly opts: SettlementOptions) {
    this.now = opts.now ?? Date.now;
    this.maxBatch = opts.maxBatch ?? 2048;
    this.maxPending = opts.maxPending ?? 20_000;
  }

  pending(): number {
    return this.queue.length;
  }

  submit(input: unknown): Promise<SettleResult> {
    const parsed = parseTransfer(input);
    if (!parsed.ok) return Promise.resolve({ ok: false, ...parsed.refusal });
    const transfer = parsed.value;
    const refusal = checkTransfer(transfer, this.opts.operator);
    if (refusal) return Promise.resolve({ ok: false, ...refusal });
    if (this.closed) return Promise.resolve({ ok: false, code: 'unavailable', message: 'the relay is shutting down; retry' });
    if (this.queue.length >= this.maxPending) return Promise.resolve({ ok: false, code: 'unavailable', message: 'the relay is busy; retry' });
    const bytes = encodeTransfer(transfer);
    const request: SettleRequest = { transfer, bytes, hash: toHex(sha256(bytes)) };
    return new Promise((resolve) => {
      const w: Waiting = { request, valid: null, checked: Promise.resolve(), resolve };
      w.checked = verifyTransferSignature(transfer).then((valid) => {
        w.valid = valid;
      });
      this.queue.push(w);
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
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
        const good = taken.filter((w) => w.valid);
        for (const w of taken) if (!w.valid) w.resolve({ ok: false, code: 'bad-signature', message: "the signature is not the payer's" });
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
        good.forEach((w, i) =>
          this.answer(w, outcomes[i]!).catch((err: unknown) => {
            this.opts.onError?.(err);
            w.resolve({ ok: false, code: 'unavailable', message: 'the relay could not sign a receipt; retry' });
          }),
        );
      }
    } finally {
      this.draining = false;
    }
  }

  private async answer(w: Waiting, o: SettleOutcome): Promise<void> {
    if (!o.ok) return w.resolve({ ok: false, ...o.refusal });
    const { transfer, hash } = w.request;
    const receipt = await signReceipt(this.opts.ledgerPrivateKey, { v: 1, id: transfer.id, hash, index: o.index, checkpoint: o.checkpoint });
    w.resolve({ ok: true, receipt, duplicate: o.duplicate });
  }
}
