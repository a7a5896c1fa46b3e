// Escrow payouts (claims and refunds): decided one at a time, signed by the escrow (the ledger
// key), persisted, then settled through the ordinary settlement pipeline.
//
// Why one queue for the whole relay: every payout is a transfer of the one escrow account, so
// each needs the next escrow seq and the hash of the previous payout. Decisions run in rounds:
// all requests waiting when a round starts are decided in order inside one SQLite transaction
// (so two claims of one packet can never both take its last share, and a member never gets two),
// signed and stored; then every unsettled payout is submitted at once, in escrow seq order, so
// they reach settlement's group commit together (one fsync for the round).
//
// Invariants:
// - A payout is stored before it is submitted; unsettled ones are submitted again every round
//   until settled (settlement answers an already-settled one with its receipt), so a crash or a
//   busy relay delays a payout but never loses or doubles it.
// - Each caller gets exactly one answer: a receipt, the refusal of its decision, or
//   `unavailable` if its payout had to be dropped (a bug: logged as an error).
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { fromUtf8, toBase64Url, toHex } from '../../src/core/bytes.ts';
import type { Receipt } from '../../src/core/ledger/checkpoint.ts';
import type { LedgerErrorCode } from '../../src/core/ledger/refusal.ts';
import { encodeTransfer, newTransferId, transferSigningBytes, type TransferBody, type TransferData } from '../../src/core/ledger/transfer.ts';
import type { AccountId } from '../../src/core/ids.ts';
import type { Logger } from '../log.ts';
import type { KeyPair } from '../ledger/keys.ts';
import type { Settlement } from '../ledger/settlement.ts';
import type { LedgerStore } from '../ledger/store.ts';
import type { PacketQueries, PayoutRow } from './store.ts';

export interface Payout {
  packet: string;
  kind: 'claim' | 'refund';
  to: AccountId;
  amount: number;
  share: number | null;
  data: TransferData;
}

export type Refused = { ok: false; code: LedgerErrorCode | 'unavailable'; message: string };
export type PayoutResult = { ok: true; receipt: Receipt } | Refused;
/** Runs inside the round's transaction: a payout to make, or why not. */
export type Decide = (now: number) => Payout | Refused;

const hashHex = (bytes: Uint8Array) => toHex(new Uint8Array(createHash('sha256').update(bytes).digest()));
const bodyOf = (row: PayoutRow) => JSON.parse(fromUtf8(new Uint8Array(row.body))) as unknown;

export class PayoutQueue {
  private queue: { decide: Decide; resolve: (r: PayoutResult) => void }[] = [];
  private readonly waiters = new Map<number, (r: PayoutResult) => void>();
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly o: {
      db: Database.Database;
      q: PacketQueries;
      store: LedgerStore;
      settlement: Settlement;
      escrow: KeyPair;
      now: () => number;
      log: Logger;
      /** Told when a payout settled, inside no transaction (packet state bookkeeping). */
      onSettled: (row: PayoutRow) => void;
    },
  ) {}

  decide(decide: Decide): Promise<PayoutResult> {
    if (this.closed) return Promise.resolve({ ok: false, code: 'unavailable', message: 'the relay is shutting down; retry' });
    return new Promise((resolve) => {
      this.queue.push({ decide, resolve });
      this.kick();
    });
  }

  /** Starts a round unless one is running (also the sweeper's way to retry unsettled payouts). */
  kick(): void {
    if (this.running || this.closed) return;
    this.running = this.loop()
      .catch((err: unknown) => {
        // A storage error outside a round's own handling (the database closed or broken): say
        // so, and answer everyone waiting; stored payouts are retried by the next kick.
        this.o.log.error({ err, event: 'redpacket_payouts_failed' }, 'red packet payouts stopped');
        const unavailable: PayoutResult = { ok: false, code: 'unavailable', message: 'the relay could not pay this out right now; retry' };
        for (const { resolve } of this.queue.splice(0)) resolve(unavailable);
        for (const seq of [...this.waiters.keys()]) this.answer(seq, unavailable);
      })
      .finally(() => (this.running = null));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    for (const { resolve } of this.queue.splice(0)) resolve({ ok: false, code: 'unavailable', message: 'the relay is shutting down; retry' });
  }

  private async loop(): Promise<void> {
    for (;;) {
      const work = this.queue.length > 0 || this.o.q.unsettled.all().length > 0;
      if (!work || this.closed) return;
      const progressed = await this.round();
      // Settlement was busy or down: wait a little instead of spinning; callers keep waiting.
      if (!progressed) await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** One round; false when nothing could be settled. */
  private async round(): Promise<boolean> {
    const ops = this.queue.splice(0);
    const escrow = await this.o.store.account(this.o.escrow.id);
    // Waiters are registered only once the transaction that stored their payouts committed.
    const decided: { seq: number; resolve: (r: PayoutResult) => void }[] = [];
    const decide = this.o.db.transaction(() => {
      const pending = this.o.q.unsettled.all();
      const last = pending.at(-1);
      let seq = last ? last.escrow_seq : escrow.seq;
      let head = last ? hashHex(new Uint8Array(last.body)) : escrow.head;
      const now = this.o.now();
      for (const op of ops) {
        const d = op.decide(now);
        if ('ok' in d) {
          op.resolve(d);
          continue;
        }
        seq++;
        const body: TransferBody = { v: 1, id: newTransferId(), from: this.o.escrow.id, to: d.to, amount: d.amount, seq, prev: head, kind: `redpacket-${d.kind}`, memo: '', ref: d.packet, data: d.data, created: now };
        const bytes = encodeTransfer({ ...body, sig: toBase64Url(this.o.escrow.signSync(transferSigningBytes(body))) });
        head = hashHex(bytes);
        this.o.q.insertPayout.run(seq, d.packet, d.kind, d.share, d.kind === 'claim' ? d.to : null, d.amount, bytes);
        decided.push({ seq, resolve: op.resolve });
      }
      return this.o.q.unsettled.all();
    });
    let rows: PayoutRow[];
    try {
      rows = decide.immediate();
    } catch (err) {
      // Nothing of the round was stored (the write lock stayed busy, the disk failed): every
      // request of it is answered, and may simply be asked again.
      this.o.log.error({ err, event: 'redpacket_decide_failed' }, 'red packet decisions could not be stored');
      for (const op of ops) op.resolve({ ok: false, code: 'unavailable', message: 'the relay could not decide this right now; retry' });
      return false;
    }
    for (const d of decided) this.waiters.set(d.seq, d.resolve);
    if (rows.length === 0) return true;
    const results = await Promise.all(rows.map((r) => this.o.settlement.submit(bodyOf(r))));
    const failed = results.findIndex((r) => !r.ok);
    const settled = failed < 0 ? rows : rows.slice(0, failed);
    this.o.db.transaction(() => settled.forEach((r) => this.o.q.markSettled.run(r.escrow_seq)))();
    settled.forEach((row, i) => {
      this.o.onSettled(row);
      const r = results[i]!;
      if (r.ok) this.answer(row.escrow_seq, { ok: true, receipt: r.receipt });
    });
    if (failed < 0) return true;
    const first = results[failed]!;
    if (!first.ok && first.code !== 'unavailable') {
      // The escrow chain was broken by something other than a busy relay: nothing later can
      // settle on top of it. Drop the rest (each caller may simply ask again) and say so.
      this.o.log.error({ event: 'redpacket_payout_refused', code: first.code }, 'an escrow payout was refused; dropping the unsettled ones after it');
      const from = rows[failed]!.escrow_seq;
      this.o.q.dropUnsettledFrom.run(from);
      for (const row of rows.slice(failed)) this.answer(row.escrow_seq, { ok: false, code: 'unavailable', message: 'the relay could not pay this out; retry' });
    }
    return settled.length > 0;
  }

  private answer(seq: number, r: PayoutResult): void {
    this.waiters.get(seq)?.(r);
    this.waiters.delete(seq);
  }
}
