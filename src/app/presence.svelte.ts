// Presence and typing for the whole session: my chosen status (kept in the account doc, so all my
// devices agree), auto-away, heartbeats to every conversation, and what contacts are showing.
// The logic is src/core/presence.ts; the transport is src/net/presence.ts (awareness + relay).
//
// Invariants:
// - Invisible sends nothing: one "offline" beacon when turning invisible (exactly what closing
//   the app sends), then silence, no typing either. To others it is Offline.
// - My beacons' `at` strictly increases, so receivers can tell newer from repeated.
// - Timers only exist while the hub runs; `close` says goodbye and stops them.
import type { AccountDoc } from '../core/account-doc.ts';
import type { DocKeys } from '../core/derive.ts';
import type { AccountId } from '../core/ids.ts';
import {
  AUTO_AWAY_MS,
  BEACON_TTL_MS,
  effectiveStatus,
  HEARTBEAT_MS,
  isChosenStatus,
  MAX_STATUS_MESSAGE,
  PresenceBook,
  TypingThrottle,
  type Beacon,
  type ChosenStatus,
  type ContactPresence,
} from '../core/presence.ts';
import type { MailboxClient } from '../net/mailbox.ts';
import { PresenceChannel } from '../net/presence.ts';
import type { Awareness } from 'y-protocols/awareness';

/** Account doc settings keys (Settings and the Status menu write them). */
export const PRESENCE_SETTINGS = {
  status: 'presence.status',
  message: 'presence.message',
  showLastSeen: 'presence.showLastSeen',
  readReceipts: 'receipts.send',
} as const;

/** Someone new showed up in a room: answer with my beacon, at most this often per room. */
const ANSWER_EVERY_MS = 3_000;
const IDLE_CHECK_MS = 15_000;

interface RoomLink {
  channel: PresenceChannel;
  typing: TypingThrottle;
  typingTimer: ReturnType<typeof setTimeout> | null;
  answered: number;
}

export interface PresenceDeps {
  me: AccountId;
  account: AccountDoc;
  mailbox: MailboxClient;
  now: () => number;
  /** How often to check for auto-away (tests shorten it). */
  idleCheckMs?: number;
}

export class PresenceHub {
  chosen = $state<ChosenStatus>('online');
  message = $state('');
  showLastSeen = $state(true);
  /** Online turned Away by inactivity. */
  idle = $state(false);
  /** What I am showing (Away when idle). */
  own = $derived<ChosenStatus>(this.chosen === 'online' && this.idle ? 'away' : this.chosen);
  /** Bumped whenever what contacts show may have changed (beacon arrived, something expired). */
  private version = $state(0);

  private readonly book = new PresenceBook();
  private readonly rooms = new Map<string, RoomLink>();
  private lastActivity: number;
  private lastAt = 0;
  private sentStatus: ChosenStatus | null = null;
  /** What the last broadcast said (status, message, last-seen choice). */
  private sentSig = '';
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly idleCheck: ReturnType<typeof setInterval>;
  private expiry: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(private readonly d: PresenceDeps) {
    this.lastActivity = d.now();
    this.syncSettings();
    this.sentStatus = this.own;
    this.sentSig = this.signature();
    this.heartbeat = setInterval(() => this.broadcast(), HEARTBEAT_MS);
    this.idleCheck = setInterval(() => this.checkIdle(), d.idleCheckMs ?? IDLE_CHECK_MS);
  }

  /** The account doc changed (maybe on another of my devices): follow its status settings. */
  syncSettings(): void {
    const s = this.d.account.settingsMap;
    const status = s.get(PRESENCE_SETTINGS.status);
    const message = s.get(PRESENCE_SETTINGS.message);
    this.chosen = isChosenStatus(status) ? status : 'online';
    this.message = typeof message === 'string' ? message.slice(0, MAX_STATUS_MESSAGE) : '';
    this.showLastSeen = s.get(PRESENCE_SETTINGS.showLastSeen) !== false;
    if (this.sentSig !== '' && this.sentSig !== this.signature()) this.broadcast(); // here, or on another of my devices
  }

  private signature(): string {
    return `${this.own}|${this.message}|${this.showLastSeen}`;
  }

  setStatus(status: ChosenStatus): void {
    this.lastActivity = this.d.now();
    this.idle = false;
    this.d.account.setSetting(PRESENCE_SETTINGS.status, status);
    this.syncSettings();
  }

  setMessage(text: string): void {
    this.d.account.setSetting(PRESENCE_SETTINGS.message, text.trim().slice(0, MAX_STATUS_MESSAGE));
    this.syncSettings();
  }

  setShowLastSeen(show: boolean): void {
    this.d.account.setSetting(PRESENCE_SETTINGS.showLastSeen, show);
    this.syncSettings();
  }

  /** The person touched the app: back from auto-away at once. */
  activity(): void {
    this.lastActivity = this.d.now();
    if (this.idle) {
      this.idle = false;
      this.broadcast();
    }
  }

  private checkIdle(): void {
    const idle = effectiveStatus('online', this.lastActivity, this.d.now(), AUTO_AWAY_MS) === 'away';
    if (idle !== this.idle) {
      this.idle = idle;
      this.broadcast();
    }
  }

  // ---- rooms (one per conversation) ----

  attach(room: string, keys: DocKeys): void {
    if (this.closed) return;
    this.rooms.get(room)?.channel.close();
    const channel = new PresenceChannel(this.d.mailbox, keys, (b) => this.received(b, room), () => this.sendTo(room));
    this.rooms.set(room, { channel, typing: new TypingThrottle(), typingTimer: null, answered: 0 });
    this.sendTo(room);
  }

  rekey(room: string, keys: DocKeys): void {
    this.rooms.get(room)?.channel.rekey(keys);
    this.sendTo(room);
  }

  useAwareness(room: string, awareness: Awareness): void {
    this.rooms.get(room)?.channel.useAwareness(awareness, this.own === 'invisible' ? this.beacon(room, 'offline') : this.beacon(room));
  }

  detach(room: string): void {
    const link = this.rooms.get(room);
    if (!link) return;
    if (link.typingTimer) clearTimeout(link.typingTimer);
    link.channel.close();
    this.rooms.delete(room);
  }

  // ---- what the UI reads ----

  statusOf(account: AccountId): ContactPresence {
    void this.version;
    return this.book.of(account, this.d.now());
  }

  typingIn(room: string, members: readonly AccountId[]): AccountId[] {
    void this.version;
    return this.book.typingIn(room, members, this.d.now());
  }

  // ---- typing ----

  keystroke(room: string): void {
    this.activity();
    const link = this.rooms.get(room);
    if (!link || link.typing.keystroke(this.d.now()) !== 'start') return;
    this.sendTo(room);
    this.scheduleTypingIdle(room, link);
  }

  /** A message was sent (or the draft emptied): typing ends now. */
  sent(room: string): void {
    const link = this.rooms.get(room);
    if (!link) return;
    if (link.typingTimer) clearTimeout(link.typingTimer);
    link.typingTimer = null;
    if (link.typing.stop() === 'stop') this.sendTo(room);
  }

  private scheduleTypingIdle(room: string, link: RoomLink): void {
    if (link.typingTimer) clearTimeout(link.typingTimer);
    const deadline = link.typing.idleDeadline();
    if (deadline === null) return;
    link.typingTimer = setTimeout(() => {
      link.typingTimer = null;
      if (link.typing.tick(this.d.now()) === 'stop') this.sendTo(room);
      else this.scheduleTypingIdle(room, link);
    }, Math.max(0, deadline - this.d.now()));
  }

  // ---- sending and receiving ----

  private beacon(room: string, status: Beacon['status'] = this.own === 'invisible' ? 'offline' : this.own): Beacon {
    const now = this.d.now();
    this.lastAt = Math.max(now, this.lastAt + 2); // at + 1 is the prepared goodbye's (net/presence.ts)
    const typing = status !== 'offline' && (this.rooms.get(room)?.typing.active ?? false);
    return {
      v: 1,
      account: this.d.me,
      status,
      message: status === 'offline' ? '' : this.message,
      at: this.lastAt,
      ttl: BEACON_TTL_MS,
      ...(this.showLastSeen ? { lastSeen: now } : {}),
      ...(typing ? { typing: true } : {}),
    };
  }

  /** Sends my current state to one room; while invisible, only the one goodbye. */
  private sendTo(room: string, status?: Beacon['status']): void {
    const link = this.rooms.get(room);
    if (!link || this.closed) return;
    if (status === undefined && this.own === 'invisible') return;
    link.channel.send(this.beacon(room, status)).catch(() => undefined); // best effort: the next heartbeat retries
  }

  private broadcast(): void {
    const own = this.own;
    const wasVisible = this.sentStatus !== null && this.sentStatus !== 'invisible';
    this.sentStatus = own;
    this.sentSig = this.signature();
    if (own === 'invisible') {
      if (wasVisible) for (const room of this.rooms.keys()) this.sendTo(room, 'offline');
      return;
    }
    for (const room of this.rooms.keys()) this.sendTo(room);
  }

  private received(beacon: Beacon, room: string): void {
    if (beacon.account === this.d.me) return; // my other devices
    const now = this.d.now();
    const wasOffline = this.book.of(beacon.account as AccountId, now).status === 'offline';
    if (!this.book.receive(beacon, room, now)) return;
    this.version++;
    this.scheduleExpiry();
    // They just came online (or opened the app): tell them my status now, not at the next heartbeat.
    const link = this.rooms.get(room);
    if (wasOffline && beacon.status !== 'offline' && link && now - link.answered > ANSWER_EVERY_MS) {
      link.answered = now;
      this.sendTo(room);
    }
  }

  private scheduleExpiry(): void {
    if (this.expiry) clearTimeout(this.expiry);
    const next = this.book.nextExpiry(this.d.now());
    this.expiry =
      next === null
        ? null
        : setTimeout(() => {
            this.version++;
            this.scheduleExpiry();
          }, next - this.d.now() + 10);
  }

  /**
   * The page is going away (closed, reloaded, or frozen in the back-forward cache): say Offline
   * now with the goodbye sealed in advance, rather than when the last beacon expires.
   * A page that comes back announces itself again on its next activity or heartbeat.
   */
  goodbye(): void {
    if (this.sentStatus !== 'invisible') for (const link of this.rooms.values()) link.channel.farewell();
  }

  /** The page is back (from the back-forward cache): say so at once. */
  announce(): void {
    this.activity();
    this.broadcast();
  }

  /** Goodbye: contacts see Offline now rather than when my last beacon expires. */
  close(): void {
    if (this.closed) return;
    this.goodbye();
    this.closed = true;
    clearInterval(this.heartbeat);
    clearInterval(this.idleCheck);
    if (this.expiry) clearTimeout(this.expiry);
    for (const room of [...this.rooms.keys()]) this.detach(room);
  }
}
