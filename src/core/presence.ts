// Presence and typing: what a device tells the people it shares a conversation with, and what it
// makes of what they tell it. Pure: clocks are passed in, nothing here sends or schedules.
//
// A beacon is ephemeral: it travels over Yjs awareness (WebRTC) and the relay's `ephemeral` frame
// (sealed with the room's key), and is never stored in any doc. Receivers keep the newest beacon
// per account and let it expire `ttl` ms after it arrived (their own clock: devices' clocks
// disagree), so an app that closes or loses its network turns Offline by itself.
//
// Invariants:
// - Everything received is untrusted: `parseBeacon` validates the shape and bounds every field;
//   a bad beacon is an error value, never an exception.
// - Only a newer beacon (larger `at` from the same account) replaces the one held, so a replay,
//   a re-send, or the copy over the slower path cannot turn back or prolong someone's status.
// - Invisible sends nothing; it looks exactly like Offline to everyone else.
// Not handled here: who may claim an account. In a 1:1 only the two members hold the room key; in
// a group a member could claim to be another member (typing/status only, never content).
import * as v from 'valibot';
import { fail, ok, type Result } from './errors.ts';
import type { AccountId } from './ids.ts';

/** What a person can choose. */
export const CHOSEN_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
export type ChosenStatus = (typeof CHOSEN_STATUSES)[number];
/** What others can see: invisible is never sent, offline is what silence becomes. */
export type SeenStatus = 'online' | 'away' | 'busy' | 'offline';

export const STATUS_LABEL: Record<ChosenStatus | SeenStatus, string> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  invisible: 'Invisible',
  offline: 'Offline',
};

/** Heartbeats are sent this often while visible… */
export const HEARTBEAT_MS = 20_000;
/** …and a beacon counts this long after it arrived: three heartbeats may be lost. */
export const BEACON_TTL_MS = 65_000;
/** Online turns Away after this long without the person touching the app. */
export const AUTO_AWAY_MS = 5 * 60_000;
/** Typing is sent at most this often while the person keeps typing. */
export const TYPING_THROTTLE_MS = 2_000;
/** Typing stops this long after the last keystroke. */
export const TYPING_IDLE_MS = 5_000;
/** A receiver drops "typing" this long after the last typing beacon (sender died mid-word). */
export const TYPING_TTL_MS = 6_000;
export const MAX_STATUS_MESSAGE = 80;

const accountId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const time = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export const BeaconSchema = v.strictObject({
  v: v.literal(1),
  account: accountId,
  /** 'offline' is sent once when the app closes or the person turns Invisible. */
  status: v.picklist(['online', 'away', 'busy', 'offline']),
  message: v.pipe(v.string(), v.maxLength(MAX_STATUS_MESSAGE)),
  /** Sender's clock; only compared with the same sender's earlier beacons. */
  at: time,
  ttl: v.pipe(v.number(), v.safeInteger(), v.minValue(1000), v.maxValue(10 * 60_000)),
  /** Present only if the sender allows "Show when I was last seen". */
  lastSeen: v.optional(time),
  typing: v.optional(v.boolean()),
});
export type Beacon = v.InferOutput<typeof BeaconSchema>;

export const MAX_BEACON_BYTES = 512;

export function encodeBeacon(b: Beacon): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(b));
}

export function parseBeacon(input: Uint8Array | unknown): Result<Beacon> {
  let value = input;
  if (input instanceof Uint8Array) {
    if (input.length > MAX_BEACON_BYTES) return fail('presence/invalid', 'presence beacon too large');
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(input));
    } catch {
      return fail('presence/invalid', 'presence beacon is not JSON');
    }
  }
  const r = v.safeParse(BeaconSchema, value);
  return r.success ? ok(r.output) : fail('presence/invalid', `presence beacon rejected: ${r.issues[0]?.message ?? 'bad shape'}`);
}

/** What this device shows as its own status right now. */
export function effectiveStatus(chosen: ChosenStatus, lastActivity: number, now: number, autoAwayMs = AUTO_AWAY_MS): ChosenStatus {
  return chosen === 'online' && now - lastActivity >= autoAwayMs ? 'away' : chosen;
}

export function isChosenStatus(x: unknown): x is ChosenStatus {
  return typeof x === 'string' && (CHOSEN_STATUSES as readonly string[]).includes(x);
}

export interface ContactPresence {
  status: SeenStatus;
  message: string;
  /** When they were last seen (their clock), if they allow it. */
  lastSeen?: number;
}

interface Held {
  beacon: Beacon;
  received: number;
  /** When their typing flag expires (receiver clock), per room. */
  typing: Map<string, number>;
}

/**
 * The newest beacon per account, with expiry. `room` tells where a beacon arrived, so typing is
 * per conversation while status is per account.
 */
export class PresenceBook {
  private readonly held = new Map<AccountId, Held>();

  /** Returns true when what is shown for this account may have changed. */
  receive(beacon: Beacon, room: string, now: number): boolean {
    const account = beacon.account as AccountId;
    const current = this.held.get(account);
    // The same beacon arrives over both paths, and awareness re-sends it every 15 s: only a
    // newer one counts (else a re-sent "typing" would never expire).
    if (current && beacon.at <= current.beacon.at) return false;
    const typing = current?.typing ?? new Map<string, number>();
    if (beacon.typing && beacon.status !== 'offline') typing.set(room, now + TYPING_TTL_MS);
    else typing.delete(room);
    if (beacon.status === 'offline') typing.clear();
    this.held.set(account, { beacon, received: now, typing });
    return true;
  }

  of(account: AccountId, now: number): ContactPresence {
    const h = this.held.get(account);
    if (!h) return { status: 'offline', message: '' };
    const lastSeen = h.beacon.lastSeen;
    const alive = h.beacon.status !== 'offline' && now - h.received < h.beacon.ttl;
    if (!alive) return lastSeen === undefined ? { status: 'offline', message: '' } : { status: 'offline', message: '', lastSeen };
    return { status: h.beacon.status, message: h.beacon.message, ...(lastSeen === undefined ? {} : { lastSeen }) };
  }

  /** Accounts typing in `room` right now, in the order given (members of the conversation). */
  typingIn(room: string, members: readonly AccountId[], now: number): AccountId[] {
    return members.filter((a) => {
      const h = this.held.get(a);
      const until = h?.typing.get(room);
      return until !== undefined && until > now && this.of(a, now).status !== 'offline';
    });
  }

  /** The next moment something shown changes by itself (an expiry), or null. */
  nextExpiry(now: number): number | null {
    let next: number | null = null;
    const consider = (t: number) => {
      if (t > now && (next === null || t < next)) next = t;
    };
    for (const h of this.held.values()) {
      if (h.beacon.status !== 'offline') consider(h.received + h.beacon.ttl);
      for (const t of h.typing.values()) consider(t);
    }
    return next;
  }
}

/** "Bob is typing…"; with more than one, "2 people are typing…" (names would not fit a group's line). */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.length} people are typing…`;
}

/**
 * Decides when to tell a room that I am typing: at once on the first keystroke, then at most
 * every `throttleMs` while typing goes on; "stopped" on send, or after `idleMs` without keys.
 */
export class TypingThrottle {
  private lastSent = -Infinity;
  private lastKey = -Infinity;
  private typing = false;

  constructor(
    private readonly throttleMs = TYPING_THROTTLE_MS,
    private readonly idleMs = TYPING_IDLE_MS,
  ) {}

  /** A keystroke: returns 'start' when a typing beacon should go out now. */
  keystroke(now: number): 'start' | null {
    this.lastKey = now;
    if (this.typing && now - this.lastSent < this.throttleMs) return null;
    this.typing = true;
    this.lastSent = now;
    return 'start';
  }

  /** Called from a timer: 'stop' once the keys went quiet for `idleMs`. */
  tick(now: number): 'stop' | null {
    if (!this.typing || now - this.lastKey < this.idleMs) return null;
    this.typing = false;
    return 'stop';
  }

  /** The message was sent (or the draft cleared): 'stop' if others were told I was typing. */
  stop(): 'stop' | null {
    if (!this.typing) return null;
    this.typing = false;
    this.lastSent = -Infinity;
    return 'stop';
  }

  get active(): boolean {
    return this.typing;
  }

  /** When `tick` should next be called, or null when not typing. */
  idleDeadline(): number | null {
    return this.typing ? this.lastKey + this.idleMs : null;
  }
}
