// The in-memory MailboxStore: the reference behaviour of the contract in store.ts, for tests and
// for relays that choose to keep nothing across restarts. Mirrors the SQLite adapter exactly.
import type { AppendOutcome, AppendRequest, MailboxLimits, MailboxStore, ReadResult, StoredEntry } from './store.ts';

interface Room {
  capHash: string;
  head: number;
  floor: number;
  bytes: number;
  entries: (StoredEntry & { created: number; pushId: string })[];
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export class MemoryMailboxStore implements MailboxStore {
  private readonly rooms = new Map<string, Room>();
  private readonly pushes = new Map<string, { seq: number; data: Uint8Array }>();

  constructor(private readonly limits: MailboxLimits) {}

  async authorize(room: string, capHash: string): Promise<'ok' | 'forbidden'> {
    const r = this.rooms.get(room);
    return !r || r.capHash === capHash ? 'ok' : 'forbidden';
  }

  async appendBatch(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    return requests.map((req) => this.append(req));
  }

  private append(req: AppendRequest): AppendOutcome {
    let room = this.rooms.get(req.room);
    if (room && room.capHash !== req.capHash) return { ok: false, code: 'forbidden', message: 'wrong capability for this room' };
    const key = `${req.room}|${req.pushId}`;
    const prior = this.pushes.get(key);
    if (prior) {
      return same(prior.data, req.data)
        ? { ok: true, seq: prior.seq, duplicate: true }
        : { ok: false, code: 'conflict', message: 'this push id was used for different content' };
    }
    if (!room) {
      room = { capHash: req.capHash, head: 0, floor: 0, bytes: 0, entries: [] };
      this.rooms.set(req.room, room);
    }
    if (req.kind === 'snapshot' && (req.upto === undefined || req.upto > room.head)) {
      return { ok: false, code: 'bad-request', message: 'a snapshot must cover entries that exist' };
    }
    const keep = req.kind === 'snapshot' ? room.entries.filter((e) => e.seq > req.upto!) : room.entries;
    const keptBytes = keep.reduce((n, e) => n + e.data.length, 0);
    if (keptBytes + req.data.length > this.limits.maxRoomBytes) {
      return { ok: false, code: 'quota-exceeded', message: 'this room is full on the relay; compact it with a snapshot' };
    }
    const seq = ++room.head;
    room.entries = [...keep, { seq, kind: req.kind, data: req.data, created: req.now, pushId: req.pushId }];
    room.bytes = keptBytes + req.data.length;
    this.pushes.set(key, { seq, data: req.data });
    return { ok: true, seq, duplicate: false };
  }

  async read(room: string, after: number, limit: number): Promise<ReadResult> {
    const r = this.rooms.get(room);
    if (!r) return { entries: [], head: 0, floor: 0 };
    const entries = r.entries
      .filter((e) => e.seq > after)
      .slice(0, limit)
      .map(({ seq, kind, data }) => ({ seq, kind, data }));
    return { entries, head: r.head, floor: r.floor };
  }

  async sweep(before: number): Promise<number> {
    let n = 0;
    for (const r of this.rooms.values()) {
      const old = r.entries.filter((e) => e.created < before);
      if (old.length === 0) continue;
      n += old.length;
      r.floor = Math.max(r.floor, ...old.map((e) => e.seq));
      r.entries = r.entries.filter((e) => e.created >= before);
      r.bytes = r.entries.reduce((s, e) => s + e.data.length, 0);
    }
    return n;
  }

  async close(): Promise<void> {}
}
