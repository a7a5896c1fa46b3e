// Joins a Y.Doc to the relay mailbox: every local update is sealed and kept in the outbox until
// the relay acknowledges it; every entry from the relay is opened and applied. Together with
// y-webrtc this gives the two paths of ARCHITECTURE.md, both feeding the same doc.
//
// Invariants:
// - A local edit is stored with its outbox row in one IndexedDB transaction, and the row leaves
//   the outbox only when the relay acknowledged it (which means durable there). So the relay
//   eventually has every local edit this device kept, and peers never wait on a lost one.
// - Sealing happens at send time with a nonce derived from the push id: a resend after a lost
//   ack is byte-identical, which the relay recognises as the same push.
// - The persisted cursor never passes an entry whose update is not yet in IndexedDB: it is saved
//   only after the doc's persistence has flushed.
// - Sealing: AES-256-GCM under the doc's seal key, with the room id as associated data, so an
//   entry cannot be replayed into another room. An entry that does not open is skipped and counted.
// - Outbox order is preserved per room; a rejected push (too large, quota) is reported, never
//   silently dropped.
import * as Y from 'yjs';
import { utf8 } from '../core/bytes.ts';
import { open, seal, sha256 } from '../core/crypto.ts';
import type { DocKeys } from '../core/derive.ts';
import type { Cursors, CursorState, Outbox, OutboxRow } from '../core/replication.ts';
import { MailboxClient, MailboxError } from './mailbox.ts';

export type { Cursors, CursorState, Outbox, OutboxRow };

export const LOCAL_ORIGIN = Symbol('floe local edit');
/** Failures worth sending again (after a reconnect): the relay may well accept the same bytes. */
const RETRY = new Set(['disconnected', 'unavailable', 'rate-limited', 'internal']);
/** After this many entries since the last snapshot, a device compacts the room. */
export const COMPACT_EVERY = 1000;
const SAVE_CURSOR_EVERY = 200;
const APPLY_BATCH = 500;

export interface ReplicatorDeps {
  doc: Y.Doc;
  keys: DocKeys;
  mailbox: MailboxClient;
  outbox: Outbox;
  cursors: Cursors;
  /** Resolves when every update applied to the doc so far is in IndexedDB. */
  persisted: () => Promise<void>;
  now: () => number;
  report: (problem: string) => void;
  onPending?: (tags: Set<string>) => void;
  onGap?: () => void;
  onSynced?: () => void;
}

export class Replicator {
  /** Tags (message ids) of updates not yet acknowledged by the relay. */
  readonly pending = new Set<string>();
  synced = false;
  undecryptable = 0;
  private rows: OutboxRow[] = [];
  private readonly inflight = new Set<string>();
  private readonly sealed = new Map<string, Promise<Uint8Array>>();
  private cursor: CursorState = { seq: 0, snapshot: 0 };
  /**
   * While the doc holds updates it could not integrate yet (their dependencies have not arrived),
   * Yjs emits nothing for them, so they are not in IndexedDB: the saved cursor stays before the
   * first such entry, and a restarted device fetches it again.
   */
  private holdCursorAt: number | null = null;
  private unsaved = 0;
  private queue: Promise<void> = Promise.resolve();
  private destroyed = false;
  private retired = false;
  private pumping = false;
  private toApply: { seq: number; kind: 'update' | 'snapshot'; update: Uint8Array | null }[] = [];
  private applyTimer: ReturnType<typeof setTimeout> | null = null;
  private queuedSeq = 0;
  private saving: Promise<void> = Promise.resolve();
  private offState: (() => void) | null = null;

  private constructor(private readonly d: ReplicatorDeps) {}

  static async start(deps: ReplicatorDeps): Promise<Replicator> {
    const r = new Replicator(deps);
    r.cursor = await deps.cursors.get(deps.keys.roomId);
    r.rows = await deps.outbox.list(deps.keys.roomId);
    for (const row of r.rows) row.tags.forEach((t) => r.pending.add(t));
    deps.mailbox.open(deps.keys.roomId, deps.keys.capability, {
      cursor: () => r.cursor.seq,
      prepare: (body) => open(deps.keys.sealKey, body, utf8(deps.keys.roomId)),
      entry: (seq, kind, body, opened) => r.entry(seq, kind, body, opened as Uint8Array | null | undefined),
      synced: (head, gap) => r.onSyncedFrame(head, gap),
      refused: (_code, message) => deps.report(`The relay refused this conversation: ${message}`),
    });
    r.offState = deps.mailbox.onState((s) => {
      if (s === 'open') r.pump();
      else r.synced = false;
    });
    deps.onPending?.(r.pending);
    r.pump();
    return r;
  }

  /**
   * Runs a local edit and stores it (doc log + outbox, atomically); `tags` label the update, shown
   * as pending until the relay acknowledges it. The doc's own persistence must skip LOCAL_ORIGIN.
   */
  local(edit: () => void, tags: string[] = []): void {
    const updates: Uint8Array[] = [];
    const capture = (u: Uint8Array, origin: unknown) => origin === LOCAL_ORIGIN && updates.push(u);
    this.d.doc.on('update', capture); // 'update' fires synchronously as the transaction ends
    try {
      this.d.doc.transact(edit, LOCAL_ORIGIN);
    } finally {
      this.d.doc.off('update', capture);
    }
    if (updates.length === 0) return;
    this.enqueue(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates), tags);
  }

  /** Sends the whole doc to the room: how a new room (after a secret rotation) gets the history. */
  pushState(): void {
    this.enqueue(Y.encodeStateAsUpdate(this.d.doc), []);
  }

  /**
   * After a rotation: stop applying this (old) room's entries, send what is still in its
   * outbox (the rotation entry itself is among it), then stop.
   */
  retire(): void {
    this.retired = true;
    void this.queue.then(() => {
      if (this.rows.length === 0) void this.destroy();
    });
  }

  private enqueue(update: Uint8Array, tags: string[]): void {
    const row: OutboxRow = { pushId: MailboxClient.newPushId(), room: this.d.keys.roomId, data: update, tags, created: this.d.now() };
    tags.forEach((t) => this.pending.add(t));
    if (tags.length > 0) this.d.onPending?.(this.pending);
    this.queue = this.queue
      .then(async () => {
        await this.d.outbox.add(row, this.d.keys.roomId);
        this.rows.push(row);
        this.pump();
      })
      .catch((error: unknown) => this.d.report(`A change could not be saved on this device: ${String(error)}`));
  }

  /** Resolves when every local edit so far is stored. */
  settled(): Promise<void> {
    return this.queue;
  }

  private seal(row: OutboxRow): Promise<Uint8Array> {
    let s = this.sealed.get(row.pushId);
    if (!s) {
      s = sha256(utf8(`floe/v1/nonce|${row.pushId}`)).then((h) => seal(this.d.keys.sealKey, row.data, utf8(this.d.keys.roomId), h.subarray(0, 12)));
      this.sealed.set(row.pushId, s);
    }
    return s;
  }

  /**
   * Sends every outbox row not already on its way, strictly in outbox order: WebCrypto may finish
   * sealing out of order (Node runs it on a thread pool), and an update pushed before the one it
   * depends on would sit unintegrated on every other device until its dependency arrives.
   */
  private pump(): void {
    if (this.destroyed || this.pumping || !this.d.mailbox.connected) return;
    this.pumping = true;
    void (async () => {
      try {
        // One sender at a time; sealing of the rows after the current one runs ahead in parallel.
        for (;;) {
          if (this.destroyed || !this.d.mailbox.connected) return;
          const next = this.rows.filter((row) => !this.inflight.has(row.pushId));
          if (next.length === 0) return;
          next.forEach((row) => void this.seal(row).catch(() => undefined));
          for (const row of next) {
            let body: Uint8Array;
            try {
              body = await this.seal(row);
            } catch (error) {
              this.d.report(`An update could not be sealed: ${String(error)}`);
              return;
            }
            if (this.destroyed || !this.d.mailbox.connected) return;
            this.inflight.add(row.pushId);
            this.send(row, body);
          }
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  private send(row: OutboxRow, body: Uint8Array): void {
    this.d.mailbox.push(row.room, this.d.keys.capability, body, row.pushId).then(
      () => this.acknowledged(row),
      (error: unknown) => {
        this.inflight.delete(row.pushId);
        if (!(error instanceof MailboxError) || RETRY.has(error.code)) return; // sent again on the next connection
        this.d.report(`The relay refused an update (${error.code}): ${error.message}`);
        // Refusals that no retry can change: the update stays on this device (and reaches peers
        // over WebRTC) but leaves the outbox, or it would be refused forever.
        if (error.code !== 'quota-exceeded') void this.acknowledged(row);
      },
    );
  }

  private async acknowledged(row: OutboxRow): Promise<void> {
    this.inflight.delete(row.pushId);
    this.sealed.delete(row.pushId);
    this.rows = this.rows.filter((r) => r !== row);
    await this.d.outbox.remove(row.pushId);
    const still = new Set(this.rows.flatMap((r) => r.tags));
    for (const t of row.tags) if (!still.has(t)) this.pending.delete(t);
    this.d.onPending?.(this.pending);
    if (this.retired && this.rows.length === 0) await this.destroy();
  }

  private async entry(seq: number, kind: 'update' | 'snapshot', body: Uint8Array, opened?: Uint8Array | null): Promise<void> {
    if (this.destroyed || this.retired || seq <= Math.max(this.cursor.seq, this.queuedSeq)) return;
    const update = opened !== undefined ? opened : await open(this.d.keys.sealKey, body, utf8(this.d.keys.roomId));
    this.queuedSeq = seq;
    this.toApply.push({ seq, kind, update });
    if (this.toApply.length >= APPLY_BATCH) this.applyQueued();
    else this.applyTimer ??= setTimeout(() => this.applyQueued(), 0);
  }

  /**
   * Applies the entries received so far in one Yjs transaction: a catch-up of thousands of
   * entries then costs a handful of doc events (persistence, views) instead of one each.
   */
  private applyQueued(): void {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    const batch = this.toApply;
    this.toApply = [];
    if (batch.length === 0 || this.destroyed) return;
    Y.transact(
      this.d.doc,
      () => {
        for (const e of batch) {
          if (!e.update) {
            this.undecryptable++;
            continue;
          }
          try {
            Y.applyUpdate(this.d.doc, e.update, this);
          } catch {
            this.undecryptable++;
          }
        }
      },
      this,
    );
    const last = batch.at(-1)!;
    const snapshot = batch.reduce((s, e) => (e.kind === 'snapshot' ? e.seq : s), this.cursor.snapshot);
    this.cursor = { seq: last.seq, snapshot };
    const store = this.d.doc.store;
    if (store.pendingStructs === null && store.pendingDs === null) this.holdCursorAt = null;
    else this.holdCursorAt ??= batch[0]!.seq - 1;
    this.unsaved += batch.length;
    if (this.unsaved >= SAVE_CURSOR_EVERY) this.saveCursor();
  }

  private async onSyncedFrame(head: number, gap: boolean): Promise<void> {
    if (this.destroyed) return;
    this.applyQueued();
    if (head > this.cursor.seq) this.cursor = { ...this.cursor, seq: head };
    this.saveCursor();
    this.synced = true;
    if (gap) this.d.onGap?.();
    this.d.onSynced?.();
    if (this.cursor.seq - this.cursor.snapshot >= COMPACT_EVERY) void this.compact();
  }

  /**
   * Saves the cursor once what it covers is in IndexedDB. Runs beside the inbound stream (the
   * mailbox client applies every room's entries on one chain, which must not wait for storage);
   * saves of one room stay in order.
   */
  private saveCursor(): void {
    this.unsaved = 0;
    const state = this.holdCursorAt === null ? { ...this.cursor } : { seq: this.holdCursorAt, snapshot: Math.min(this.cursor.snapshot, this.holdCursorAt) };
    this.saving = this.saving
      .then(async () => {
        await this.d.persisted();
        await this.d.cursors.set(this.d.keys.roomId, state);
      })
      .catch((error: unknown) => {
        // Not fatal: the device fetches those entries again next time.
        if (!this.destroyed) this.d.report(`Sync progress could not be saved: ${String(error)}`);
      });
  }

  /** Replaces the room's log on the relay with one sealed snapshot of the whole doc. */
  async compact(): Promise<void> {
    const upto = this.cursor.seq;
    const state = Y.encodeStateAsUpdate(this.d.doc);
    const sealed = await seal(this.d.keys.sealKey, state, utf8(this.d.keys.roomId));
    try {
      const seq = await this.d.mailbox.push(this.d.keys.roomId, this.d.keys.capability, sealed, MailboxClient.newPushId(), upto);
      this.cursor = { ...this.cursor, snapshot: seq };
    } catch {
      // Compaction is an optimisation; the log stays valid without it and the next sync retries.
    }
  }

  /** Stops replicating once every local edit is stored. */
  async destroy(): Promise<void> {
    this.applyQueued();
    await this.queue;
    await this.saving;
    this.destroyed = true;
    this.offState?.();
    this.d.mailbox.close(this.d.keys.roomId);
  }
}
