// Keeps a Y.Doc in IndexedDB as a log of updates, merged into one row when the log grows.
//
// Invariants: every update the doc emits (local edits and remote ones alike) is appended, in
// order, before `flush()` resolves; loading applies rows in seq order with this persistence as
// the origin so they are not written back; compaction replaces exactly the rows it read with the
// merged state inside one transaction, so another tab appending meanwhile loses nothing.
import * as Y from 'yjs';
import type { FloeDb } from './db.ts';

export const COMPACT_AFTER = 200;
const WRITE_WINDOW_MS = 20;

export class DocPersistence {
  private queue: Uint8Array[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this || (this.skipOrigin !== undefined && origin === this.skipOrigin)) return;
    this.queue.push(update);
    // A short window gathers a burst (a catch-up applies thousands of updates) into one
    // IndexedDB transaction; flush() writes at once when someone needs durability now.
    if (this.queue.length === 1) setTimeout(() => this.write(), WRITE_WINDOW_MS);
  };

  private constructor(
    private readonly db: FloeDb,
    readonly docId: string,
    readonly doc: Y.Doc,
    private readonly skipOrigin?: unknown,
  ) {}

  /**
   * Loads what is stored into `doc`, then records every later update — except those made with
   * `skipOrigin`, which their originator stores itself (the replicator writes local edits
   * together with their outbox row).
   */
  static async open(db: FloeDb, docId: string, doc: Y.Doc, skipOrigin?: unknown): Promise<DocPersistence> {
    const p = new DocPersistence(db, docId, doc, skipOrigin);
    const rows = await db.updates.where('doc').equals(docId).sortBy('seq');
    Y.transact(doc, () => {
      for (const row of rows) Y.applyUpdate(doc, row.data);
    }, p);
    doc.on('update', p.onUpdate);
    if (rows.length > COMPACT_AFTER) await p.compact(rows.map((r) => r.seq!));
    return p;
  }

  private write(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const data = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch);
    this.writing = this.writing
      .then(() => this.db.updates.add({ doc: this.docId, data }))
      .then(
        () => undefined,
        (error: unknown) => {
          // Keep the update so a later flush retries it, and surface the failure to the caller.
          this.queue.unshift(data);
          this.failure = error;
        },
      );
  }

  /** Resolves once everything the doc emitted so far is stored; rejects if storing failed. */
  async flush(): Promise<void> {
    this.write();
    await this.writing;
    if (this.failure) {
      const error = this.failure;
      this.failure = null;
      throw error;
    }
  }

  private async compact(seqs: number[]): Promise<void> {
    const state = Y.encodeStateAsUpdate(this.doc);
    await this.db.transaction('rw', this.db.updates, async () => {
      await this.db.updates.bulkDelete(seqs);
      await this.db.updates.add({ doc: this.docId, data: state });
    });
  }

  async destroy(): Promise<void> {
    this.doc.off('update', this.onUpdate);
    await this.flush();
  }
}
