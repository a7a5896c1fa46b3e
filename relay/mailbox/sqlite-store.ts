// The SQLite MailboxStore (better-sqlite3): WAL with synchronous=FULL, so a committed transaction
// is on disk when `appendBatch` returns, and one transaction per batch, so a batch costs one
// fsync however many pushes it holds (group commit; the batching itself is in group-commit.ts).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { AppendOutcome, AppendRequest, EntryKind, MailboxLimits, MailboxStore, ReadResult, StoredEntry } from './store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  room TEXT PRIMARY KEY,
  cap_hash TEXT NOT NULL,
  head INTEGER NOT NULL DEFAULT 0,
  floor INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
  room TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  data BLOB NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_created ON entries (created);
-- Push ids outlive compaction so that a replayed push is recognised; retention prunes them.
CREATE TABLE IF NOT EXISTS pushes (
  room TEXT NOT NULL,
  push_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  digest BLOB NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (room, push_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pushes_created ON pushes (created);
`;

const KIND: Record<EntryKind, number> = { update: 0, snapshot: 1 };
const KIND_NAME: EntryKind[] = ['update', 'snapshot'];

interface RoomRow {
  cap_hash: string;
  head: number;
  floor: number;
  bytes: number;
}

const digest = (data: Uint8Array) => createHash('sha256').update(data).digest();

export class SqliteMailboxStore implements MailboxStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(
    file: string,
    private readonly limits: MailboxLimits,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.q = {
      room: this.db.prepare<[string], RoomRow>('SELECT cap_hash, head, floor, bytes FROM rooms WHERE room = ?'),
      newRoom: this.db.prepare('INSERT INTO rooms (room, cap_hash, created) VALUES (?, ?, ?)'),
      setRoom: this.db.prepare('UPDATE rooms SET head = ?, bytes = ? WHERE room = ?'),
      push: this.db.prepare<[string, string], { seq: number; digest: Buffer }>('SELECT seq, digest FROM pushes WHERE room = ? AND push_id = ?'),
      addPush: this.db.prepare('INSERT INTO pushes (room, push_id, seq, digest, created) VALUES (?, ?, ?, ?, ?)'),
      addEntry: this.db.prepare('INSERT INTO entries (room, seq, kind, data, created) VALUES (?, ?, ?, ?, ?)'),
      bytesUpTo: this.db.prepare<[string, number], { n: number | null }>('SELECT SUM(length(data)) AS n FROM entries WHERE room = ? AND seq <= ?'),
      dropUpTo: this.db.prepare('DELETE FROM entries WHERE room = ? AND seq <= ?'),
      read: this.db.prepare<[string, number, number], { seq: number; kind: number; data: Buffer }>(
        'SELECT seq, kind, data FROM entries WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      oldByRoom: this.db.prepare<[number], { room: string; top: number; n: number; size: number }>(
        'SELECT room, MAX(seq) AS top, COUNT(*) AS n, SUM(length(data)) AS size FROM entries WHERE created < ? GROUP BY room',
      ),
      dropOld: this.db.prepare('DELETE FROM entries WHERE created < ?'),
      dropOldPushes: this.db.prepare('DELETE FROM pushes WHERE created < ?'),
      lowerRoom: this.db.prepare('UPDATE rooms SET floor = MAX(floor, ?), bytes = bytes - ? WHERE room = ?'),
    };
  }

  async authorize(room: string, capHash: string): Promise<'ok' | 'forbidden'> {
    const row = this.q.room.get(room);
    return !row || row.cap_hash === capHash ? 'ok' : 'forbidden';
  }

  async appendBatch(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    return this.db.transaction((reqs: AppendRequest[]) => reqs.map((r) => this.append(r)))(requests);
  }

  private append(req: AppendRequest): AppendOutcome {
    let room = this.q.room.get(req.room);
    if (room && room.cap_hash !== req.capHash) return { ok: false, code: 'forbidden', message: 'wrong capability for this room' };
    const hash = digest(req.data);
    const prior = this.q.push.get(req.room, req.pushId);
    if (prior) {
      return prior.digest.equals(hash)
        ? { ok: true, seq: prior.seq, duplicate: true }
        : { ok: false, code: 'conflict', message: 'this push id was used for different content' };
    }
    if (!room) {
      this.q.newRoom.run(req.room, req.capHash, req.now);
      room = { cap_hash: req.capHash, head: 0, floor: 0, bytes: 0 };
    }
    let bytes = room.bytes;
    if (req.kind === 'snapshot') {
      if (req.upto === undefined || req.upto > room.head) return { ok: false, code: 'bad-request', message: 'a snapshot must cover entries that exist' };
      bytes -= this.q.bytesUpTo.get(req.room, req.upto)?.n ?? 0;
    }
    if (bytes + req.data.length > this.limits.maxRoomBytes) {
      return { ok: false, code: 'quota-exceeded', message: 'this room is full on the relay; compact it with a snapshot' };
    }
    if (req.kind === 'snapshot') this.q.dropUpTo.run(req.room, req.upto);
    const seq = room.head + 1;
    this.q.addEntry.run(req.room, seq, KIND[req.kind], req.data, req.now);
    this.q.addPush.run(req.room, req.pushId, seq, hash, req.now);
    this.q.setRoom.run(seq, bytes + req.data.length, req.room);
    return { ok: true, seq, duplicate: false };
  }

  async read(room: string, after: number, limit: number): Promise<ReadResult> {
    const row = this.q.room.get(room);
    if (!row) return { entries: [], head: 0, floor: 0 };
    const entries: StoredEntry[] = this.q.read.all(room, after, limit).map((e) => ({
      seq: e.seq,
      kind: KIND_NAME[e.kind] ?? 'update',
      data: new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength),
    }));
    return { entries, head: row.head, floor: row.floor };
  }

  async sweep(before: number): Promise<number> {
    return this.db.transaction(() => {
      let n = 0;
      for (const r of this.q.oldByRoom.all(before)) {
        this.q.lowerRoom.run(r.top, r.size, r.room);
        n += r.n;
      }
      this.q.dropOld.run(before);
      this.q.dropOldPushes.run(before);
      return n;
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
