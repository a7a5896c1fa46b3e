// The seam between the mailbox and where it keeps its data. SQLite (one process, the default) and
// in-memory adapters implement it today; PostgreSQL (a cluster of relays) will. Every adapter
// runs the same conformance suite (conformance.ts).
//
// Contract:
// - `appendBatch` applies its requests in order inside ONE transaction and resolves only once
//   that transaction is durable; the caller acknowledges nothing before that (group commit).
// - A room is created by the first request that names it, with that request's capability hash;
//   afterwards a different hash is `forbidden` and changes nothing.
// - The same (room, pushId) again with the same bytes returns the original seq (`duplicate`); with
//   different bytes it is a `conflict`. Replays therefore never add entries.
// - A snapshot (kind 'snapshot', with `upto`) deletes every entry with seq <= upto and is stored
//   as a new entry: it carries the state those entries held, so no cursor sees a gap.
// - Retention deletes old entries and raises the room's `floor`: a reader whose cursor is below
//   the floor has missed history (`gap`), and must be told.
export type EntryKind = 'update' | 'snapshot';

export interface StoredEntry {
  seq: number;
  kind: EntryKind;
  data: Uint8Array;
}

export interface AppendRequest {
  room: string;
  capHash: string;
  pushId: string;
  kind: EntryKind;
  data: Uint8Array;
  /** For snapshots: the highest seq the snapshot covers. */
  upto?: number;
  now: number;
}

export type AppendOutcome =
  | { ok: true; seq: number; duplicate: boolean }
  | { ok: false; code: 'forbidden' | 'quota-exceeded' | 'conflict' | 'bad-request'; message: string };

export interface ReadResult {
  entries: StoredEntry[];
  /** Highest seq ever assigned in the room (0 if none). */
  head: number;
  /** Entries up to here were deleted by retention. */
  floor: number;
}

export interface MailboxLimits {
  /** Bytes one room may hold; snapshots are how a room shrinks. */
  maxRoomBytes: number;
}

export interface MailboxStore {
  /** 'ok' for a known room with this hash, and for an unknown room (created on first append). */
  authorize(room: string, capHash: string): Promise<'ok' | 'forbidden'>;
  appendBatch(requests: AppendRequest[]): Promise<AppendOutcome[]>;
  /** Entries with seq > after, in seq order, at most `limit`. */
  read(room: string, after: number, limit: number): Promise<ReadResult>;
  /** Deletes entries created before `before`; returns how many. */
  sweep(before: number): Promise<number>;
  close(): Promise<void>;
}
