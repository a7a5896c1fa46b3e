// Presence beacons, their expiry and typing: pure logic with an explicit clock.
import { describe, expect, it } from 'vitest';
import type { AccountId } from './ids.ts';
import {
  AUTO_AWAY_MS,
  BEACON_TTL_MS,
  effectiveStatus,
  encodeBeacon,
  parseBeacon,
  PresenceBook,
  TYPING_TTL_MS,
  TypingThrottle,
  typingText,
  type Beacon,
} from './presence.ts';

const T0 = 1_790_000_000_000;
const acct = (tag: string) => tag.padEnd(43, 'A') as AccountId;
const bob = acct('bob');
const carol = acct('carol');
const beacon = (over: Partial<Beacon> = {}): Beacon => ({ v: 1, account: bob, status: 'online', message: '', at: T0, ttl: BEACON_TTL_MS, ...over });

describe('beacons on the wire', () => {
  it('round-trips through bytes', () => {
    const b = beacon({ status: 'busy', message: 'in a meeting 会议', lastSeen: T0, typing: true });
    const r = parseBeacon(encodeBeacon(b));
    expect(r).toEqual({ ok: true, value: b });
  });

  it('refuses bad beacons with a typed error instead of throwing', () => {
    const bad: unknown[] = [
      new TextEncoder().encode('not json'),
      new Uint8Array([0xff, 0xfe]),
      new Uint8Array(600),
      { ...beacon(), status: 'invisible' },
      { ...beacon(), account: 'short' },
      { ...beacon(), message: 'x'.repeat(81) },
      { ...beacon(), ttl: 10 },
      { ...beacon(), at: -1 },
      { ...beacon(), extra: 1 },
      { ...beacon(), v: 2 },
      null,
      'online',
    ];
    for (const input of bad) {
      const r = parseBeacon(input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('presence/invalid');
    }
  });
});

describe('my own status', () => {
  it('turns Online into Away after inactivity, and leaves chosen statuses alone', () => {
    expect(effectiveStatus('online', T0, T0 + AUTO_AWAY_MS - 1)).toBe('online');
    expect(effectiveStatus('online', T0, T0 + AUTO_AWAY_MS)).toBe('away');
    expect(effectiveStatus('busy', T0, T0 + 10 * AUTO_AWAY_MS)).toBe('busy');
    expect(effectiveStatus('invisible', T0, T0 + 10 * AUTO_AWAY_MS)).toBe('invisible');
  });
});

describe('PresenceBook', () => {
  it('shows a contact as their status until the beacon expires, then Offline with last seen', () => {
    const book = new PresenceBook();
    expect(book.of(bob, T0).status).toBe('offline');
    book.receive(beacon({ status: 'busy', message: 'coding', lastSeen: T0 }), 'r1', T0);
    expect(book.of(bob, T0 + 1000)).toEqual({ status: 'busy', message: 'coding', lastSeen: T0 });
    expect(book.nextExpiry(T0)).toBe(T0 + BEACON_TTL_MS);
    expect(book.of(bob, T0 + BEACON_TTL_MS)).toEqual({ status: 'offline', message: '', lastSeen: T0 });
  });

  it('goes Offline at once on an offline beacon, and hides last seen when not allowed', () => {
    const book = new PresenceBook();
    book.receive(beacon(), 'r1', T0);
    book.receive(beacon({ status: 'offline', at: T0 + 5 }), 'r1', T0 + 5);
    expect(book.of(bob, T0 + 6)).toEqual({ status: 'offline', message: '' });
  });

  it('never lets an older or repeated beacon (replay, slower path, re-send) replace or prolong a newer one', () => {
    const book = new PresenceBook();
    book.receive(beacon({ status: 'busy', at: T0 + 10 }), 'r1', T0);
    expect(book.receive(beacon({ status: 'online', at: T0 }), 'r1', T0 + 1)).toBe(false);
    expect(book.of(bob, T0 + 2).status).toBe('busy');
    // The same beacon again (other path, awareness re-send) does not prolong it.
    expect(book.receive(beacon({ status: 'busy', at: T0 + 10 }), 'r1', T0 + BEACON_TTL_MS - 1)).toBe(false);
    expect(book.of(bob, T0 + BEACON_TTL_MS).status).toBe('offline');
  });

  it('keeps typing per room and lets it expire', () => {
    const book = new PresenceBook();
    book.receive(beacon({ typing: true }), 'r1', T0);
    book.receive(beacon({ account: carol, typing: true }), 'r1', T0);
    expect(book.typingIn('r1', [bob, carol], T0 + 1)).toEqual([bob, carol]);
    expect(book.typingIn('r2', [bob, carol], T0 + 1)).toEqual([]);
    book.receive(beacon({ at: T0 + 1, typing: false }), 'r1', T0 + 1);
    expect(book.typingIn('r1', [bob, carol], T0 + 2)).toEqual([carol]);
    expect(book.typingIn('r1', [bob, carol], T0 + TYPING_TTL_MS)).toEqual([]);
  });
});

describe('typing text', () => {
  it('names one person and counts more', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Bob'])).toBe('Bob is typing…');
    expect(typingText(['Bob', 'Carol'])).toBe('2 people are typing…');
    expect(typingText(['Bob', 'Carol', 'Dan'])).toBe('3 people are typing…');
  });
});

describe('TypingThrottle', () => {
  it('sends at once, then at most every 2 s, stops after 5 s idle or on send', () => {
    const t = new TypingThrottle(2000, 5000);
    expect(t.keystroke(T0)).toBe('start');
    expect(t.keystroke(T0 + 500)).toBeNull();
    expect(t.keystroke(T0 + 1999)).toBeNull();
    expect(t.keystroke(T0 + 2000)).toBe('start');
    expect(t.tick(T0 + 6999)).toBeNull();
    expect(t.idleDeadline()).toBe(T0 + 7000);
    expect(t.tick(T0 + 7000)).toBe('stop');
    expect(t.tick(T0 + 8000)).toBeNull();
    expect(t.keystroke(T0 + 9000)).toBe('start');
    expect(t.stop()).toBe('stop');
    expect(t.stop()).toBeNull();
    expect(t.keystroke(T0 + 9001)).toBe('start'); // a new message starts at once
  });
});
