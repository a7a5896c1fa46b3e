// The conformance suite every MailboxStore adapter runs (see store.ts for the contract).
import { describe, expect, it } from 'vitest';
import type { MailboxStore } from './store.ts';

const ROOM = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const bytes = (...xs: number[]) => Uint8Array.from(xs);
const push = (pushId: string, data: Uint8Array, over: Partial<Parameters<MailboxStore['appendBatch']>[0][number]> = {}) => ({
  room: ROOM,
  capHash: 'cap1',
  pushId,
  kind: 'update' as const,
  data,
  now: 1000,
  ...over,
});

export function runMailboxStoreTests(name: string, make: (limits: { maxRoomBytes: number }) => Promise<{ store: MailboxStore }>) {
  describe(`MailboxStore conformance: ${name}`, () => {
    it('appends in order, reads after a cursor, and creates the room with its capability', async () => {
      const { store } = await make({ maxRoomBytes: 1000 });
      expect(await store.authorize(ROOM, 'cap1')).toBe('ok');
      const out = await store.appendBatch([push('p1', bytes(1)), push('p2', bytes(2)), push('p3', bytes(3))]);
      expect(out).toEqual([1, 2, 3].map((seq) => ({ ok: true, seq, duplicate: false })));
      const r = await store.read(ROOM, 1, 10);
      expect(r.entries.map((e) => [e.seq, e.kind, [...e.data]])).toEqual([
        [2, 'update', [2]],
        [3, 'update', [3]],
      ]);
      expect(r.head).toBe(3);
      expect((await store.read(ROOM, 0, 2)).entries).toHaveLength(2);
      expect(await store.read(OTHER, 0, 10)).toEqual({ entries: [], head: 0, floor: 0 });
      await store.close();
    });

    it('refuses a wrong capability and changes nothing', async () => {
      const { store } = await make({ maxRoomBytes: 1000 });
      await store.appendBatch([push('p1', bytes(1))]);
      expect(await store.authorize(ROOM, 'evil')).toBe('forbidden');
      const [r] = await store.appendBatch([push('p2', bytes(9), { capHash: 'evil' })]);
      expect(r).toMatchObject({ ok: false, code: 'forbidden' });
      expect((await store.read(ROOM, 0, 10)).entries).toHaveLength(1);
      await store.close();
    });

    it('answers a replayed push with the original seq, and a reused id with new bytes as a conflict', async () => {
      const { store } = await make({ maxRoomBytes: 1000 });
      await store.appendBatch([push('p1', bytes(1))]);
      const [again, other] = await store.appendBatch([push('p1', bytes(1)), push('p1', bytes(2))]);
      expect(again).toEqual({ ok: true, seq: 1, duplicate: true });
      expect(other).toMatchObject({ ok: false, code: 'conflict' });
      expect((await store.read(ROOM, 0, 10)).entries).toHaveLength(1);
      await store.close();
    });

    it('enforces the per-room quota, and a snapshot frees the room', async () => {
      const { store } = await make({ maxRoomBytes: 10 });
      await store.appendBatch([push('p1', new Uint8Array(6))]);
      const [full] = await store.appendBatch([push('p2', new Uint8Array(6))]);
      expect(full).toMatchObject({ ok: false, code: 'quota-exceeded' });
      const [snap] = await store.appendBatch([push('s1', new Uint8Array(8), { kind: 'snapshot', upto: 1 })]);
      expect(snap).toEqual({ ok: true, seq: 2, duplicate: false });
      const r = await store.read(ROOM, 0, 10);
      expect(r.entries.map((e) => [e.seq, e.kind])).toEqual([[2, 'snapshot']]);
      expect(r.floor).toBe(0); // compaction is not a gap
      const [bad] = await store.appendBatch([push('s2', new Uint8Array(1), { kind: 'snapshot', upto: 99 })]);
      expect(bad).toMatchObject({ ok: false, code: 'bad-request' });
      await store.close();
    });

    it('retention deletes old entries and raises the floor so readers learn of the gap', async () => {
      const { store } = await make({ maxRoomBytes: 1000 });
      await store.appendBatch([push('p1', bytes(1), { now: 10 }), push('p2', bytes(2), { now: 10 }), push('p3', bytes(3), { now: 50 })]);
      expect(await store.sweep(20)).toBe(2);
      const r = await store.read(ROOM, 0, 10);
      expect(r.floor).toBe(2);
      expect(r.entries.map((e) => e.seq)).toEqual([3]);
      await store.appendBatch([push('p4', new Uint8Array(990), { now: 60 })]); // freed bytes count again
      await store.close();
    });

  });
}

/** For adapters that keep data: what was acknowledged survives closing and reopening. */
export function runDurableMailboxStoreTests(name: string, make: (limits: { maxRoomBytes: number }) => Promise<{ store: MailboxStore; reopen: () => Promise<MailboxStore> }>) {
  describe(`MailboxStore durability: ${name}`, () => {
    it('keeps what it acknowledged across a reopen', async () => {
      const made = await make({ maxRoomBytes: 1000 });
      await made.store.appendBatch([push('p1', bytes(1)), push('p2', bytes(2))]);
      await made.store.close();
      const again = await made.reopen();
      expect((await again.read(ROOM, 0, 10)).entries.map((e) => e.seq)).toEqual([1, 2]);
      expect(await again.authorize(ROOM, 'evil')).toBe('forbidden');
      const [dup] = await again.appendBatch([push('p2', bytes(2))]);
      expect(dup).toEqual({ ok: true, seq: 2, duplicate: true });
      await again.close();
    });
  });
}
