// Read marks in real conversation docs synced between two replicas, and unread counts from the
// account doc's read position across two devices.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AccountDoc } from './account-doc.ts';
import { ConversationDoc } from './conversation-doc.ts';
import type { AccountId, DeviceId, RoomId } from './ids.ts';
import { markReadBy, readersOf, readMark, readMarks, unreadCount, unreadLabel } from './receipts.ts';

const acct = (tag: string) => tag.padEnd(43, 'A') as AccountId;
const dev = (tag: string) => tag.padEnd(43, 'D') as DeviceId;
const alice = acct('alice');
const bob = acct('bob');
const carol = acct('carol');
const room = 'room1'.padEnd(32, '0') as RoomId;

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('read marks', () => {
  it('take the maximum over a reader’s devices, even when written concurrently', () => {
    const d1 = new ConversationDoc(new Y.Doc());
    const d2 = new ConversationDoc(new Y.Doc());
    expect(markReadBy(d1, bob, dev('phone'), 'h5')).toBe(true);
    expect(markReadBy(d2, bob, dev('laptop'), 'h3')).toBe(true);
    sync(d1.doc, d2.doc);
    expect(readMark(d1, bob)).toBe('h5');
    expect(readMark(d2, bob)).toBe('h5');
    // A mark never goes back.
    expect(markReadBy(d2, bob, dev('laptop'), 'h2')).toBe(false);
    expect(readMark(d2, alice)).toBeUndefined();
  });

  it('ignores junk a peer wrote into the map', () => {
    const d = new ConversationDoc(new Y.Doc());
    (d.doc.getMap('reads') as Y.Map<unknown>).set(`${bob}|x`, 42);
    markReadBy(d, bob, dev('phone'), 'h1');
    expect(readMark(d, bob)).toBe('h1');
  });

  it('tells per member who has read a message (groups)', () => {
    const d = new ConversationDoc(new Y.Doc());
    markReadBy(d, bob, dev('b'), 'h4');
    markReadBy(d, carol, dev('c'), 'h2');
    const marks = readMarks(d, [bob, carol]);
    expect(readersOf('h2', marks, [bob, carol])).toEqual([bob, carol]);
    expect(readersOf('h3', marks, [bob, carol])).toEqual([bob]);
    expect(readersOf('h5', marks, [bob, carol])).toEqual([]);
  });
});

describe('unread counts', () => {
  const msgs = [
    { mine: false, hlc: 'h1', verified: true },
    { mine: true, hlc: 'h2', verified: true },
    { mine: false, hlc: 'h3', verified: true },
    { mine: false, hlc: 'h4', verified: false },
  ];

  it('counts others’ messages after the account doc’s read position, which follows the account', () => {
    const phone = new AccountDoc(new Y.Doc(), undefined, 'phone');
    const laptop = new AccountDoc(new Y.Doc(), undefined, 'laptop');
    expect(unreadCount(msgs, phone.readPosition(room))).toBe(3);
    laptop.markRead(room, 'h3');
    sync(phone.doc, laptop.doc);
    expect(unreadCount(msgs, phone.readPosition(room))).toBe(1);
    phone.markRead(room, 'h4');
    sync(phone.doc, laptop.doc);
    expect(unreadCount(msgs, laptop.readPosition(room))).toBe(0);
    expect(unreadCount([], undefined)).toBe(0);
  });

  it('labels the badge', () => {
    expect(unreadLabel(3)).toBe('3 unread');
    expect(unreadLabel(120)).toBe('99+ unread');
  });
});
