// Dexie implementations of the replicator's Outbox and Cursors seams (net/replicator.ts).
import type { CursorState, Cursors, Outbox, OutboxRow } from '../core/replication.ts';
import type { FloeDb } from './db.ts';

export class DexieOutbox implements Outbox {
  constructor(private readonly db: FloeDb) {}

  async add(row: OutboxRow, doc: string): Promise<void> {
    await this.db.transaction('rw', this.db.outbox, this.db.updates, async () => {
      await this.db.updates.add({ doc, data: row.data });
      await this.db.outbox.add({ ...row });
    });
  }

  async remove(pushId: string): Promise<void> {
    await this.db.outbox.where('pushId').equals(pushId).delete();
  }

  /** In the order they were added. */
  async list(room: string): Promise<OutboxRow[]> {
    const rows = await this.db.outbox.where('room').equals(room).sortBy('seq');
    return rows.map(({ pushId, room: r, data, tags, created }) => ({ pushId, room: r, data, tags, created }));
  }

  async count(): Promise<number> {
    return this.db.outbox.count();
  }
}

export class DexieCursors implements Cursors {
  constructor(private readonly db: FloeDb) {}

  async get(room: string): Promise<CursorState> {
    const row = await this.db.cursors.get(room);
    return { seq: row?.seq ?? 0, snapshot: row?.snapshot ?? 0 };
  }

  async set(room: string, state: CursorState): Promise<void> {
    await this.db.cursors.put({ room, ...state });
  }
}
