// Notifications on this device: system notifications for new messages while the app is open but
// hidden (shown through the service worker registration, which is what works on phones too), and
// Web Push from the relay for when the app is closed (docs/protocol.md, "/v1 — push").
//
// Invariants:
// - Permission is asked only from `enable()`, which the Settings toggle calls on a click.
// - A message notifies once, when it first appears in a conversation's view after that view was
//   first seen (history loaded at start never notifies), only while the page is hidden, only if
//   someone else wrote it, it verified, and the conversation is not muted (notify-rules.ts).
// - The relay is told to push for exactly the non-muted conversations' current rooms, each with
//   its capability; muting (on any device: it is an account-doc flag) resubscribes without it.
//   A push carries no content; the service worker shows "New message" (sw/notifications.ts).
// - Failure to get Web Push (no push service, a relay with --push off) is shown as a sentence in
//   Settings and never turns off the in-app notifications.
import { untrack } from 'svelte';
import type { AccountDoc } from '../core/account-doc.ts';
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { deriveDocKeys } from '../core/derive.ts';
import { encodePushRooms, type PushRooms } from '../core/protocol.ts';
import { MailboxClient } from '../net/mailbox.ts';
import type { Conversation } from './conversation.svelte.ts';
import { t } from './i18n.svelte.ts';
import { conversationRoute, noticeFor, type MessageNotice } from './notify-rules.ts';

export type NotificationStatus = 'off' | 'on' | 'denied' | 'unsupported';
export type PushStatus = 'off' | 'pending' | 'on' | 'failed';
/** Why notifications are weaker than asked here; Settings says it in the person's language. */
export type NotificationProblem = { kind: 'no-push' } | { kind: 'push-failed' | 'show-failed'; reason: string };

/** The browser's side, injected so the rules run without one. */
export interface NotificationEnv {
  permission(): NotificationPermission | 'unsupported';
  requestPermission(): Promise<NotificationPermission>;
  hidden(): boolean;
  show(title: string, options: NotificationOptions): Promise<void>;
  /** Null when this browser has no Web Push. */
  pushManager(): Promise<PushManager | null>;
  /** The on/off choice made on this device (permission is per browser, so is the choice). */
  stored(): boolean;
  store(on: boolean): void;
}

const STORAGE_KEY = 'floe:notifications';
/** The service worker's message after a notification click (sw/notifications.ts). */
export const OPEN_MESSAGE = 'floe:open-conversation';
/** Browser calls that may never settle (no service worker; a browser without a push service). */
const BROWSER_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, failure: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(failure)), BROWSER_TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const registration = (): Promise<ServiceWorkerRegistration> => withTimeout(navigator.serviceWorker.ready, 'the service worker is not running');

export function browserNotificationEnv(): NotificationEnv {
  const supported = typeof Notification !== 'undefined' && 'serviceWorker' in navigator;
  // A click on a notification: the service worker focuses this window and says which chat to open.
  if (supported) {
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data as { type?: unknown; url?: unknown } | null;
      if (data?.type === OPEN_MESSAGE && typeof data.url === 'string' && data.url.startsWith('#/chats/')) location.hash = data.url;
    });
  }
  return {
    permission: () => (supported ? Notification.permission : 'unsupported'),
    requestPermission: () => Notification.requestPermission(),
    hidden: () => document.visibilityState === 'hidden',
    show: async (title, options) => (await registration()).showNotification(title, options),
    pushManager: async () => ('PushManager' in window ? ((await registration()).pushManager ?? null) : null),
    stored: () => localStorage.getItem(STORAGE_KEY) === 'on',
    store: (on) => localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off'),
  };
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const unpadded = (b64: string | undefined): string => (b64 ?? '').replace(/=+$/, '');

export class Notifications {
  status = $state<NotificationStatus>('off');
  push = $state<PushStatus>('off');
  /** Why Web Push (or showing a notification) is not working here; null when all is well. */
  pushProblem = $state<NotificationProblem | null>(null);

  private account: AccountDoc | null = null;
  private readonly seen = new Map<string, Set<string>>();
  private readonly watching = new Map<Conversation, () => void>();
  private stopRoot: (() => void) | null = null;
  private pushTimer: ReturnType<typeof setTimeout> | null = null;
  /** What the relay was last told (endpoint and rooms), so unchanged sets are not sent again. */
  private told = '';
  private readonly keyCache = new Map<string, { room: string; cap: string }>();
  private syncing: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly env: NotificationEnv,
    private readonly mailbox: MailboxClient,
  ) {
    const permission = env.permission();
    if (permission === 'unsupported') this.status = 'unsupported';
    else if (env.stored()) this.status = permission === 'granted' ? 'on' : permission === 'denied' ? 'denied' : 'off';
    mailbox.onState((s) => {
      if (s !== 'open') return;
      this.told = ''; // a new connection: the relay binds this device to it only on subscribe
      if (this.push === 'failed') this.push = 'off'; // and push setup gets another try
      this.schedulePush();
    });
  }

  /** At boot: follow the account's conversations and their flags. */
  attach(account: AccountDoc, conversations: () => readonly Conversation[]): void {
    this.account = account;
    account.doc.on('update', () => this.schedulePush());
    this.stopRoot = $effect.root(() => {
      $effect(() => {
        for (const c of conversations()) if (!this.watching.has(c)) untrack(() => this.watch(c));
      });
    });
    this.schedulePush();
  }

  /** From a click on the Settings toggle: asks the browser's permission if needed. */
  async enable(): Promise<void> {
    const permission = this.env.permission();
    if (permission === 'unsupported') {
      this.status = 'unsupported';
      return;
    }
    const answer = permission === 'granted' ? permission : await this.env.requestPermission();
    if (answer !== 'granted') {
      this.status = 'denied';
      this.env.store(false);
      return;
    }
    this.env.store(true);
    this.status = 'on';
    this.told = '';
    if (this.push === 'failed') this.push = 'off';
    await this.syncPush();
  }

  async disable(): Promise<void> {
    this.env.store(false);
    this.status = 'off';
    this.push = 'off';
    this.pushProblem = null;
    try {
      const sub = await (await this.env.pushManager())?.getSubscription();
      if (!sub) return;
      if (this.mailbox.connected) await this.mailbox.request({ t: 'push-unsubscribe', id: MailboxClient.newPushId(), endpoint: sub.endpoint });
      await sub.unsubscribe();
    } catch {
      // The relay forgets an unrenewed subscription after its retention; nothing to show here.
    } finally {
      this.told = '';
    }
  }

  stop(): void {
    this.stopRoot?.();
    for (const stop of this.watching.values()) stop();
    this.watching.clear();
    if (this.pushTimer) clearTimeout(this.pushTimer);
  }

  private watch(c: Conversation): void {
    // A root per conversation: a change in one re-reads that one's messages only.
    const stop = $effect.root(() => {
      $effect(() => {
        const views = c.messages;
        untrack(() => this.arrived(c, views));
      });
    });
    this.watching.set(c, stop);
  }

  private arrived(c: Conversation, views: Conversation['messages']): void {
    let seen = this.seen.get(c.room);
    const first = !seen;
    if (!seen) this.seen.set(c.room, (seen = new Set()));
    const fresh = views.filter((v) => !seen.has(v.id));
    for (const v of fresh) seen.add(v.id);
    if (first || this.status !== 'on' || !this.env.hidden()) return;
    for (const v of fresh) {
      const notice = noticeFor(v, c.title, c.muted, (name) => t('notifications.mentioned', { name }));
      if (notice) void this.show(c.room, notice);
    }
  }

  private async show(room: string, notice: MessageNotice): Promise<void> {
    try {
      // One notification per conversation: a newer message replaces the older one (same tag).
      await this.env.show(notice.title, { body: notice.body, tag: `floe-${room}`, data: { room, url: conversationRoute(room) } });
    } catch (error) {
      this.pushProblem = { kind: 'show-failed', reason: describe(error) };
    }
  }

  private schedulePush(): void {
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = setTimeout(() => void this.syncPush(), 300);
  }

  private async pushRooms(): Promise<PushRooms> {
    const rooms: PushRooms = [];
    for (const entry of this.account?.conversations() ?? []) {
      if (entry.muted) continue;
      let access = this.keyCache.get(entry.secret);
      if (!access) {
        const keys = await deriveDocKeys(fromBase64Url(entry.secret)!);
        this.keyCache.set(entry.secret, (access = { room: keys.roomId, cap: keys.capability }));
      }
      rooms.push(access);
    }
    return rooms;
  }

  /**
   * One sync at a time; a change during one runs one more afterwards. After a failure, no retry
   * until the next connection or the next `enable()` (a browser without a push service would
   * otherwise be asked again on every account change).
   */
  private syncPush(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = this.trySyncPush().finally(() => {
      this.syncing = null;
      if (this.again) {
        this.again = false;
        void this.syncPush();
      }
    });
    return this.syncing;
  }

  /** Subscribes this browser to Web Push and tells the relay which rooms to push for. */
  private async trySyncPush(): Promise<void> {
    if (this.status !== 'on' || !this.account || !this.mailbox.connected || this.push === 'failed') return;
    try {
      const manager = await this.env.pushManager();
      if (!manager) {
        this.push = 'failed';
        this.pushProblem = { kind: 'no-push' };
        return;
      }
      let sub = await manager.getSubscription();
      const rooms = await this.pushRooms();
      // Most account-doc changes (read positions…) leave the set alone: then nothing is sent.
      if (sub && JSON.stringify([sub.endpoint, rooms]) === this.told) return;
      if (this.push !== 'on') this.push = 'pending';
      const answer = await this.mailbox.request({ t: 'push-key', id: MailboxClient.newPushId() });
      if (answer.header.t !== 'push-key') throw new Error('the relay answered something else');
      const key = fromBase64Url(answer.header.key);
      if (!key) throw new Error('the relay sent a malformed push key');
      const current = sub?.options.applicationServerKey;
      if (sub && current && answer.header.key !== toBase64Url(new Uint8Array(current))) {
        await sub.unsubscribe(); // the relay's key changed: the old subscription cannot be used
        sub = null;
      }
      sub ??= await withTimeout(
        manager.subscribe({ userVisibleOnly: true, applicationServerKey: new Uint8Array(key) }),
        "the browser's push service did not answer",
      );
      const json = sub.toJSON();
      const told = JSON.stringify([sub.endpoint, rooms]);
      const header = { t: 'push-subscribe' as const, id: MailboxClient.newPushId(), endpoint: sub.endpoint, p256dh: unpadded(json.keys?.p256dh), auth: unpadded(json.keys?.auth) };
      await this.mailbox.request(header, encodePushRooms(rooms));
      this.told = told;
      this.push = 'on';
      this.pushProblem = null;
    } catch (error) {
      this.push = 'failed';
      this.pushProblem = { kind: 'push-failed', reason: describe(error) };
    }
  }
}
