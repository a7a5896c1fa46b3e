// The catch-up under test, shared by the browser page (real IndexedDB) and the Node run
// (fake-indexeddb): a device opens every room it knows with the app's own Replicator and
// DocPersistence over one MailboxClient, and we time until every room's Y.Doc holds what the
// relay has and all of it is in IndexedDB.
//
// "Caught up" here means: the room's Y.Array 'messages' has `expected` items, the replicator has
// seen the relay's `synced` for the room, and every DocPersistence.flush() has resolved (so the
// updates are committed to IndexedDB). Nothing is rendered and signatures are not verified: this
// is the storage and sync path only, which is what grows with the number of missed messages.
import * as Y from 'yjs';
import { deriveDocKeys } from '../../src/core/derive.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { LOCAL_ORIGIN, Replicator } from '../../src/net/replicator.ts';
import type { FloeDb } from '../../src/store/db.ts';
import { DocPersistence } from '../../src/store/doc-persistence.ts';
import { DexieCursors, DexieOutbox } from '../../src/store/outbox.ts';

export interface CatchUpOptions {
  /** ws://…/v1 of the relay. */
  url: string;
  secrets: Uint8Array[];
  /** Messages each room must hold when caught up. */
  expected: number;
  db: FloeDb;
  makeSocket?: (url: string) => SocketLike;
  now: () => number;
  timeoutMs: number;
}

export interface CatchUpResult {
  rooms: number;
  messages: number;
  /** Start → every doc complete and synced. */
  docsMs: number;
  /** Start → also every persistence flushed: the figure that counts. */
  totalMs: number;
  /** Rows in the updates table afterwards (updates queued together are merged into one row). */
  storedRows: number;
  /** Messages found by replaying each room's stored rows into a fresh doc, after timing. */
  reloadedMessages: number;
  undecryptable: number;
  problems: string[];
}

interface Room {
  doc: Y.Doc;
  persistence: DocPersistence;
  replicator: Replicator | null;
}

export async function catchUp(o: CatchUpOptions): Promise<CatchUpResult> {
  const t0 = o.now();
  const problems: string[] = [];
  const mailbox = new MailboxClient({ url: o.url, minDelay: 30, maxDelay: 400, ...(o.makeSocket ? { makeSocket: o.makeSocket } : {}) });
  const outbox = new DexieOutbox(o.db);
  const cursors = new DexieCursors(o.db);
  const rooms: Room[] = [];
  let remaining = o.secrets.length;
  let complete: () => void = () => {};
  const allComplete = new Promise<void>((resolve) => (complete = resolve));
  const done = new Set<Room>();
  // Called on every doc update and on `synced`; a room counts once, when both hold.
  const check = (room: Room) => {
    if (done.has(room) || !room.replicator?.synced) return;
    if (room.doc.getArray('messages').length < o.expected) return;
    done.add(room);
    if (--remaining === 0) complete();
  };

  try {
    for (const secret of o.secrets) {
      const keys = await deriveDocKeys(secret);
      const doc = new Y.Doc();
      const persistence = await DocPersistence.open(o.db, keys.roomId, doc, LOCAL_ORIGIN);
      const room: Room = { doc, persistence, replicator: null };
      rooms.push(room);
      doc.on('update', () => check(room));
      room.replicator = await Replicator.start({
        doc,
        keys,
        mailbox,
        outbox,
        cursors,
        persisted: () => persistence.flush(),
        now: Date.now,
        report: (p) => problems.push(p),
        onSynced: () => check(room),
      });
    }
    // One socket for all rooms, as in the app: the handshake, then every room opens at its cursor.
    mailbox.start();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`catch-up incomplete after ${o.timeoutMs} ms: ${remaining} of ${o.secrets.length} rooms missing (${problems.slice(0, 2).join('; ')})`)), o.timeoutMs);
    });
    try {
      await Promise.race([allComplete, timeout]);
      const docsMs = o.now() - t0;
      await Promise.race([Promise.all(rooms.map((r) => r.persistence.flush())), timeout]);
      const totalMs = o.now() - t0;
      // Untimed check that "persisted" holds: rebuild every room from its IndexedDB rows alone.
      let reloadedMessages = 0;
      for (const r of rooms) {
        const fresh = new Y.Doc();
        const rows = await o.db.updates.where('doc').equals(r.persistence.docId).toArray();
        Y.transact(fresh, () => rows.forEach((row) => Y.applyUpdate(fresh, row.data)));
        reloadedMessages += fresh.getArray('messages').length;
        fresh.destroy();
      }
      return {
        rooms: rooms.length,
        messages: rooms.reduce((s, r) => s + r.doc.getArray('messages').length, 0),
        docsMs,
        totalMs,
        storedRows: await o.db.updates.count(),
        reloadedMessages,
        undecryptable: rooms.reduce((s, r) => s + (r.replicator?.undecryptable ?? 0), 0),
        problems,
      };
    } finally {
      clearTimeout(timer);
    }
  } finally {
    for (const r of rooms) await r.replicator?.destroy();
    mailbox.stop();
    for (const r of rooms) {
      await r.persistence.destroy().catch(() => undefined);
      r.doc.destroy();
    }
  }
}
