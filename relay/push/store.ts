// Where the relay keeps push subscriptions: DATA/push.sqlite (better-sqlite3).
//
// What is stored, and nothing more (docs/threat-model.md, "Web Push"):
// - per subscribed device: the endpoint URL and its two keys (p256dh, auth), which are what a
//   push needs, keyed by SHA-256 of the endpoint; the time it was last (re)subscribed, so that
//   subscriptions nobody renewed expire with the mailbox's retention;
// - per (device, room): the room id and the capability hash the device proved, so a push only
//   fires for updates accepted under that same capability.
// No account ids, device names, addresses or message metadata. Writes are small and rare
// (subscribe on connect), so plain transactions without group commit suffice.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { PushSubscriptionInput } from './subscription.ts';

export const PUSH_DB_FILE = 'push.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS push_devices (
  device TEXT PRIMARY KEY,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS push_devices_updated ON push_devices (updated);
CREATE TABLE IF NOT EXISTS push_rooms (
  room TEXT NOT NULL,
  device TEXT NOT NULL,
  cap_hash TEXT NOT NULL,
  PRIMARY KEY (room, device)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS push_rooms_device ON push_rooms (device);
`;

export interface PushTarget extends PushSubscriptionInput {
  /** SHA-256 of the endpoint, hex: the subscription's key. */
  device: string;
}

export const deviceKey = (endpoint: string): string => createHash('sha256').update(endpoint, 'utf8').digest('hex');

export class PushStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(file: string) {
    this.db = new Database(file);
    // synchronous=NORMAL, not FULL: a power cut may lose the newest subscription writes, and
    // every device sends its subscription again on its next connection; no fsync per write.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.q = {
      upsert: this.db.prepare(
        `INSERT INTO push_devices (device, endpoint, p256dh, auth, updated) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, updated = excluded.updated`,
      ),
      exists: this.db.prepare<[string], { n: number }>('SELECT 1 AS n FROM push_devices WHERE device = ?'),
      count: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM push_devices'),
      clearRooms: this.db.prepare('DELETE FROM push_rooms WHERE device = ?'),
      addRoom: this.db.prepare('INSERT OR REPLACE INTO push_rooms (room, device, cap_hash) VALUES (?, ?, ?)'),
      dropRoom: this.db.prepare('DELETE FROM push_rooms WHERE device = ? AND room = ?'),
      dropDevice: this.db.prepare('DELETE FROM push_devices WHERE device = ?'),
      targets: this.db.prepare<[string, string], PushTarget>(
        `SELECT d.device, d.endpoint, d.p256dh, d.auth FROM push_rooms r JOIN push_devices d ON d.device = r.device
         WHERE r.room = ? AND r.cap_hash = ?`,
      ),
      stale: this.db.prepare<[number], { device: string }>('SELECT device FROM push_devices WHERE updated < ?'),
    };
  }

  devices(): number {
    return this.q.count.get()?.n ?? 0;
  }

  has(device: string): boolean {
    return this.q.exists.get(device) !== undefined;
  }

  /** Stores the subscription and makes `rooms` its whole set of rooms, in one transaction. */
  subscribe(sub: PushSubscriptionInput, rooms: { room: string; capHash: string }[], now: number): string {
    const device = deviceKey(sub.endpoint);
    this.db.transaction(() => {
      this.q.upsert.run(device, sub.endpoint, sub.p256dh, sub.auth, now);
      this.q.clearRooms.run(device);
      for (const r of rooms) this.q.addRoom.run(r.room, device, r.capHash);
    })();
    return device;
  }

  /** Removes `rooms` from the device's set, or the whole device when `rooms` is undefined. */
  unsubscribe(device: string, rooms?: string[]): number {
    return this.db.transaction(() => {
      if (rooms) return rooms.reduce((n, room) => n + this.q.dropRoom.run(device, room).changes, 0);
      const n = this.q.clearRooms.run(device).changes;
      this.q.dropDevice.run(device);
      return n;
    })();
  }

  /** Devices subscribed to `room` under the capability whose hash is `capHash`. */
  targets(room: string, capHash: string): PushTarget[] {
    return this.q.targets.all(room, capHash);
  }

  /** Forgets devices that did not renew their subscription since `before`; returns how many. */
  expire(before: number): number {
    return this.db.transaction(() => {
      const stale = this.q.stale.all(before);
      for (const { device } of stale) this.unsubscribe(device);
      return stale.length;
    })();
  }

  close(): void {
    this.db.close();
  }
}
