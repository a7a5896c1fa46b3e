// The Notifications state class against a fake browser (permission, push manager) and a fake
// relay connection that records the frames it is asked to send, with a real account doc. Showing
// notifications for arriving messages is covered in the browser (tests/e2e/notifications.test.ts);
// the wording rules in notify-rules.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { AccountDoc } from '../core/account-doc.ts';
import { fromUtf8, toBase64Url } from '../core/bytes.ts';
import { deriveDocKeys } from '../core/derive.ts';
import type { AccountId, RoomId } from '../core/ids.ts';
import type { ClientHeader, Frame, ServerHeader } from '../core/protocol.ts';
import type { MailboxClient } from '../net/mailbox.ts';
import { Notifications, type NotificationEnv } from './notifications.svelte.ts';

const VAPID = toBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : i)));

/** What the relay was asked, and a push-key answer; `connected` as the test sets it. */
function fakeMailbox() {
  const sent: { header: ClientHeader; body?: Uint8Array }[] = [];
  const listeners: ((s: 'open' | 'closed' | 'connecting') => void)[] = [];
  const mailbox = {
    connected: true,
    onState: (l: (s: 'open' | 'closed' | 'connecting') => void) => listeners.push(l),
    request: async (header: ClientHeader & { id: string }, body?: Uint8Array): Promise<Frame<ServerHeader>> => {
      sent.push({ header, ...(body ? { body } : {}) });
      const answer: ServerHeader =
        header.t === 'push-key' ? { t: 'push-key', id: header.id, key: VAPID } : { t: 'push-subscribed', id: header.id, rooms: 0 };
      return { header: answer, body: new Uint8Array(0) };
    },
  };
  return { mailbox: mailbox as unknown as MailboxClient, sent, reconnect: () => listeners.forEach((l) => l('open')) };
}

function fakeEnv(over: Partial<NotificationEnv> & { grant?: NotificationPermission } = {}) {
  let stored = false;
  let permission: NotificationPermission = 'default';
  const asked: number[] = [];
  const env: NotificationEnv = {
    permission: () => permission,
    requestPermission: async () => {
      asked.push(1);
      permission = over.grant ?? 'granted';
      return permission;
    },
    hidden: () => true,
    show: async () => undefined,
    pushManager: async () => null,
    stored: () => stored,
    store: (on) => (stored = on),
    ...over,
  };
  return { env, asked, stored: () => stored };
}

/** A push manager whose subscription has padded base64 keys, as some browsers give them. */
function fakePushManager(subscribe?: () => Promise<PushSubscription>) {
  const subscription = {
    endpoint: 'https://push.example.com/send/abc',
    options: { applicationServerKey: null },
    toJSON: () => ({ endpoint: 'https://push.example.com/send/abc', keys: { p256dh: 'BPub==', auth: 'AuthSecret==' } }),
    unsubscribe: async () => true,
  } as unknown as PushSubscription;
  let current: PushSubscription | null = null;
  return {
    getSubscription: async () => current,
    subscribe: subscribe ?? (async () => (current = subscription)),
  } as unknown as PushManager;
}

function account(rooms: number): { acc: AccountDoc; secrets: Uint8Array[] } {
  const acc = new AccountDoc(new Y.Doc());
  const secrets: Uint8Array[] = [];
  for (let i = 0; i < rooms; i++) {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    secrets.push(secret);
    const peer = toBase64Url(crypto.getRandomValues(new Uint8Array(32))) as AccountId;
    const room = `${i}`.padStart(32, '0') as RoomId;
    acc.addContact({ account: peer, name: `P${i}`, conversation: room, added: 1 }, { room, kind: 'direct', secret: toBase64Url(secret), peer, created: 1 });
  }
  return { acc, secrets };
}

const settle = () => vi.advanceTimersByTimeAsync(400);

afterEach(() => {
  vi.useRealTimers();
});

describe('Notifications', () => {
  it('says so when the browser cannot notify, without asking anything', async () => {
    const { env, asked } = fakeEnv({ permission: () => 'unsupported' });
    const n = new Notifications(env, fakeMailbox().mailbox);
    expect(n.status).toBe('unsupported');
    await n.enable();
    expect(n.status).toBe('unsupported');
    expect(asked).toEqual([]);
  });

  it('asks permission on enable; a refusal shows as denied and is not remembered as on', async () => {
    const { env, asked, stored } = fakeEnv({ grant: 'denied' });
    const n = new Notifications(env, fakeMailbox().mailbox);
    expect(n.status).toBe('off');
    await n.enable();
    expect(asked).toHaveLength(1);
    expect(n.status).toBe('denied');
    expect(stored()).toBe(false);
  });

  it('keeps in-app notifications on when the browser has no Web Push, and says why', async () => {
    const { env, stored } = fakeEnv();
    const n = new Notifications(env, fakeMailbox().mailbox);
    n.attach(account(1).acc, () => []);
    await n.enable();
    expect(n.status).toBe('on');
    expect(stored()).toBe(true);
    expect(n.push).toBe('failed');
    expect(n.pushProblem).toEqual({ kind: 'no-push' });
  });

  it('gives up on a push subscription the browser never answers', { timeout: 40_000 }, async () => {
    vi.useFakeTimers();
    const { env } = fakeEnv({ pushManager: async () => fakePushManager(() => new Promise<PushSubscription>(() => undefined)) });
    const { mailbox, sent, reconnect } = fakeMailbox();
    const n = new Notifications(env, mailbox);
    const { acc } = account(1);
    n.attach(acc, () => []);
    const enabling = n.enable();
    // Key derivation is real WebCrypto (not timers) and may be slow on a loaded machine: waitFor
    // steps the fake clock a second per real check until the attempt has given up, however long
    // the real work takes.
    await vi.waitFor(() => expect(n.pushProblem).toEqual({ kind: 'push-failed', reason: "the browser's push service did not answer" }), { timeout: 30_000, interval: 1000 });
    await enabling;
    expect(n.status).toBe('on');
    // Not asked again on every account change; a new connection tries once more.
    const asks = () => sent.filter((f) => f.header.t === 'push-key').length;
    const before = asks();
    acc.setProfile({ name: 'Me', created: 1 });
    await settle();
    expect(asks()).toBe(before);
    reconnect();
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    expect(asks()).toBe(before + 1);
  });

  it('subscribes the non-muted rooms with their capabilities, and drops a room when it is muted', async () => {
    vi.useFakeTimers();
    const { mailbox, sent, reconnect } = fakeMailbox();
    const manager = fakePushManager();
    const { env } = fakeEnv({ pushManager: async () => manager });
    const n = new Notifications(env, mailbox);
    const { acc, secrets } = account(2);
    n.attach(acc, () => []);
    await n.enable();
    const subscribes = () => sent.filter((s) => s.header.t === 'push-subscribe');
    expect(subscribes()).toHaveLength(1);
    expect(subscribes()[0]!.header).toMatchObject({ endpoint: 'https://push.example.com/send/abc', p256dh: 'BPub', auth: 'AuthSecret' });
    const keys = await Promise.all(secrets.map((s) => deriveDocKeys(s)));
    const rooms = (i: number) => JSON.parse(fromUtf8(subscribes()[i]!.body!)) as unknown;
    expect(rooms(0)).toEqual(keys.map((k) => ({ room: k.roomId, cap: k.capability })));
    expect(n.push).toBe('on');

    // Nothing changed: nothing is sent again.
    acc.setProfile({ name: 'Me', created: 1 });
    await settle();
    expect(subscribes()).toHaveLength(1);

    acc.setConversationFlags(`${0}`.padStart(32, '0') as RoomId, { muted: true });
    await settle();
    expect(subscribes()).toHaveLength(2);
    expect(rooms(1)).toEqual([{ room: keys[1]!.roomId, cap: keys[1]!.capability }]);

    // A new connection is told again (the relay binds the device to the connection that subscribes).
    reconnect();
    await settle();
    expect(subscribes()).toHaveLength(3);

    await n.disable();
    expect(sent.at(-1)!.header).toMatchObject({ t: 'push-unsubscribe', endpoint: 'https://push.example.com/send/abc' });
    expect(n.status).toBe('off');
    n.stop();
  });
});
