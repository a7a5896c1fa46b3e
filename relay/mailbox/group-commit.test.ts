import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';
import { MemoryMailboxStore } from './memory-store.ts';
import type { AppendRequest, MailboxStore } from './store.ts';

const req = (i: number): AppendRequest => ({ room: 'c'.repeat(32), capHash: 'h', pushId: `push-${i}`, kind: 'update', data: Uint8Array.of(i), now: 0 });

describe('GroupCommit', () => {
  it('puts concurrent pushes into one batch, in order', async () => {
    const store = new MemoryMailboxStore({ maxRoomBytes: 1e6 });
    const gc = new GroupCommit(store);
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => gc.submit(req(i))));
    expect(outcomes.map((o) => o.ok && o.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(gc.batches).toBe(1);
  });

  it('rejects every waiter of a failed batch instead of hanging, and carries on', async () => {
    let fail = true;
    const inner = new MemoryMailboxStore({ maxRoomBytes: 1e6 });
    const store: MailboxStore = {
      ...inner,
      authorize: (r, c) => inner.authorize(r, c),
      read: (r, a, l) => inner.read(r, a, l),
      sweep: (b) => inner.sweep(b),
      close: () => inner.close(),
      appendBatch: async (reqs) => {
        if (fail) throw new Error('disk full');
        return inner.appendBatch(reqs);
      },
    };
    const gc = new GroupCommit(store);
    const first = await Promise.allSettled([gc.submit(req(1)), gc.submit(req(2))]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(gc.submit(req(3))).resolves.toMatchObject({ ok: true, seq: 1 });
  });
});
