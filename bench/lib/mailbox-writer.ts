// Fills relay rooms the way a sending device does: the app's Replicator.local turns each message
// into one Yjs update pushed into the room's Y.Array 'messages', sealed, into the /v1 mailbox
// (tests/relay/replica.ts pattern). Only the device-side storage differs: the outbox and cursors
// are in memory, because this writer is setup, not the thing measured, and 10,000 fake-indexeddb
// transactions would only make the setup slower.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { deriveDocKeys } from '../../src/core/derive.ts';
import { encodeHlc } from '../../src/core/hlc.ts';
import type { CursorState, Cursors, Outbox, OutboxRow } from '../../src/core/replication.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { Replicator } from '../../src/net/replicator.ts';
import { sleep } from './stats.ts';

/** Insertion-ordered, like the Dexie outbox; keyed so 10,000 removals stay cheap. */
class MemoryOutbox implements Outbox {
  private readonly rows = new Map<string, OutboxRow>();
  async add(row: OutboxRow): Promise<void> {
    this.rows.set(row.pushId, row);
  }
  async remove(pushId: string): Promise<void> {
    this.rows.delete(pushId);
  }
  async list(room: string): Promise<OutboxRow[]> {
    return [...this.rows.values()].filter((r) => r.room === room);
  }
}

class MemoryCursors implements Cursors {
  private readonly map = new Map<string, CursorState>();
  async get(room: string): Promise<CursorState> {
    return this.map.get(room) ?? { seq: 0, snapshot: 0 };
  }
  async set(room: string, state: CursorState): Promise<void> {
    this.map.set(room, state);
  }
}

const b64 = (n: number) => randomBytes(n).toString('base64url');

/**
 * A message shaped and sized like a SignedMessage (ids, keys, HLC, ~80 characters of text, an
 * Ed25519-sized signature). It is not really signed: catch-up does not verify, and signing
 * 10,000 messages would only lengthen the setup.
 */
function fakeMessage(author: string, device: string, room: number, i: number, wall: number) {
  return {
    v: 1,
    id: b64(16),
    author,
    device,
    hlc: encodeHlc({ wall, counter: i, node: device.slice(0, 16) }),
    kind: 'text',
    text: `Message ${i} in conversation ${room}: the quick brown fox jumps over the lazy dog.`,
    sig: b64(64),
  };
}

/**
 * Writes `perRoom` messages into each room (round-robin across rooms, as they would arrive) and
 * resolves when the relay has acknowledged every one of them.
 */
export async function fillRooms(v1Url: string, secrets: Uint8Array[], perRoom: number, timeoutMs: number): Promise<void> {
  const mailbox = new MailboxClient({ url: v1Url, makeSocket: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 30, maxDelay: 400 });
  const outbox = new MemoryOutbox();
  const cursors = new MemoryCursors();
  const problems: string[] = [];
  const rooms: { doc: Y.Doc; replicator: Replicator }[] = [];
  const author = b64(32);
  const device = b64(32);
  try {
    for (const secret of secrets) {
      const doc = new Y.Doc();
      const replicator = await Replicator.start({
        doc,
        keys: await deriveDocKeys(secret),
        mailbox,
        outbox,
        cursors,
        persisted: async () => undefined,
        now: Date.now,
        report: (p) => problems.push(p),
      });
      rooms.push({ doc, replicator });
    }
    mailbox.start();
    const wall = Date.now();
    for (let i = 0; i < perRoom; i++) {
      rooms.forEach((r, k) => {
        const m = fakeMessage(author, device, k, i, wall);
        r.replicator.local(() => r.doc.getArray('messages').push([m]), [m.id]);
      });
    }
    await Promise.all(rooms.map((r) => r.replicator.settled()));
    const deadline = Date.now() + timeoutMs;
    while (rooms.some((r) => r.replicator.pending.size > 0)) {
      if (problems.length > 0) throw new Error(`prefill failed: ${problems[0]}`);
      if (Date.now() > deadline) {
        const left = rooms.reduce((s, r) => s + r.replicator.pending.size, 0);
        throw new Error(`prefill: ${left} messages still unacknowledged after ${timeoutMs} ms`);
      }
      await sleep(50);
    }
  } finally {
    for (const r of rooms) await r.replicator.destroy();
    mailbox.stop();
    rooms.forEach((r) => r.doc.destroy());
  }
}
