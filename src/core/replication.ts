// The seams between the replicator (net/) and what it persists on the device (store/): the
// outbox of sealed updates waiting for the relay, and the per-room mailbox cursors.

export interface OutboxRow {
  pushId: string;
  room: string;
  /** The Yjs update itself; sealed only when sent (with a nonce derived from pushId, so a retry is byte-identical). */
  data: Uint8Array;
  /** What this update carries that the UI tracks (message ids), to show "pending". */
  tags: string[];
  created: number;
}

export interface Outbox {
  /**
   * Stores the row and the same update into the doc's persisted log in ONE transaction: a local
   * edit is either kept for both this device and the relay, or (tab closed first) for neither.
   */
  add(row: OutboxRow, doc: string): Promise<void>;
  remove(pushId: string): Promise<void>;
  list(room: string): Promise<OutboxRow[]>;
}

export interface CursorState {
  seq: number;
  snapshot: number;
}

export interface Cursors {
  get(room: string): Promise<CursorState>;
  set(room: string, state: CursorState): Promise<void>;
}
