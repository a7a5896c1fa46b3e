import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FloeDb } from './db.ts';
import { COMPACT_AFTER, DocPersistence } from './doc-persistence.ts';

let n = 0;
const freshDb = () => new FloeDb(`test-${Date.now()}-${n++}`);

describe('DocPersistence (fake-indexeddb)', () => {
  it('round-trips a doc through IndexedDB', async () => {
    const db = freshDb();
    const a = new Y.Doc();
    const pa = await DocPersistence.open(db, 'conv1', a);
    a.getArray<string>('messages').push(['one', 'two']);
    a.getMap('meta').set('title', 'Bob');
    await pa.flush();

    const b = new Y.Doc();
    await DocPersistence.open(db, 'conv1', b);
    expect(b.getArray('messages').toArray()).toEqual(['one', 'two']);
    expect(b.getMap('meta').get('title')).toBe('Bob');

    const other = new Y.Doc();
    await DocPersistence.open(db, 'conv2', other);
    expect(other.getArray('messages').length).toBe(0);
  });

  it('stores remote updates too, and does not write back what it loaded', async () => {
    const db = freshDb();
    const remote = new Y.Doc();
    remote.getText('t').insert(0, 'from a peer');
    const local = new Y.Doc();
    const p = await DocPersistence.open(db, 'd', local);
    Y.applyUpdate(local, Y.encodeStateAsUpdate(remote), 'webrtc');
    await p.flush();
    const rows = await db.updates.count();
    const again = new Y.Doc();
    const p2 = await DocPersistence.open(db, 'd', again);
    await p2.flush();
    expect(again.getText('t').toString()).toBe('from a peer');
    expect(await db.updates.count()).toBe(rows);
  });

  it('compacts a long log into one row without losing anything', async () => {
    const db = freshDb();
    const a = new Y.Doc();
    const pa = await DocPersistence.open(db, 'c', a);
    for (let i = 0; i < COMPACT_AFTER + 20; i++) {
      a.getArray<number>('xs').push([i]);
      await pa.flush(); // one row per update
    }
    expect(await db.updates.where('doc').equals('c').count()).toBe(COMPACT_AFTER + 20);
    const b = new Y.Doc();
    await DocPersistence.open(db, 'c', b);
    expect(await db.updates.where('doc').equals('c').count()).toBe(1);
    expect(b.getArray('xs').length).toBe(COMPACT_AFTER + 20);
    const c = new Y.Doc();
    await DocPersistence.open(db, 'c', c);
    expect(c.getArray('xs').toArray()).toEqual(b.getArray('xs').toArray());
  });

  it('rejects flush instead of hanging when IndexedDB fails, and keeps the update for a retry', async () => {
    const db = freshDb();
    const a = new Y.Doc();
    const pa = await DocPersistence.open(db, 'x', a);
    db.close();
    a.getArray<number>('xs').push([1]);
    await expect(pa.flush()).rejects.toThrow();
    await db.open();
    await pa.flush();
    const b = new Y.Doc();
    await DocPersistence.open(db, 'x', b);
    expect(b.getArray('xs').toArray()).toEqual([1]);
  });
});
