// Web Push on /v1: the frames `push-key`, `push-subscribe` and `push-unsubscribe`, and the push
// that goes out when a sealed update is appended to a room that devices subscribed to.
//
// Invariants:
// - Subscribing to a room needs its capability, checked as `open` checks it; the stored hash must
//   match the one the room's updates are accepted under, so nobody learns when others' rooms
//   receive messages.
// - A device is never pushed for an update it pushed itself, nor while it has a connection with
//   the room open (it receives the entry live, and the open app notifies by itself). A device
//   is identified by its subscription: the connection that subscribed is bound to it.
// - Pushes carry no content and are coalesced per device (coalesce.ts), then sent off the
//   mailbox's path (sender.ts). Bad input gets one typed `error` frame and changes nothing.
import { performance } from 'node:perf_hooks';
import * as v from 'valibot';
import { fromUtf8 } from '../../src/core/bytes.ts';
import { MAX_PUSH_ROOMS, PushRoomsSchema, type ClientHeader, type ErrorCode, type ServerHeader } from '../../src/core/protocol.ts';
import type { PushConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { TokenBucket } from '../rate-limit.ts';
import { Coalescer } from './coalesce.ts';
import { createPushSender } from './sender.ts';
import { deviceKey, PushStore } from './store.ts';
import { checkSubscription } from './subscription.ts';
import type { VapidKeys } from './vapid.ts';

export type PushHeader = Extract<ClientHeader, { t: 'push-key' | 'push-subscribe' | 'push-unsubscribe' }>;
export const isPushHeader = (h: ClientHeader): h is PushHeader => h.t === 'push-key' || h.t === 'push-subscribe' || h.t === 'push-unsubscribe';

/** Most subscribe/unsubscribe requests one connection may make: sustained per minute, and at once. */
const CHANGES_PER_MINUTE = 30;
const CHANGES_BURST = 10;
/** Most subscriptions one connection may bind (a device has one; a page reload makes another connection). */
const MAX_BOUND = 4;

export interface Reply {
  answer(header: ServerHeader): void;
  refuse(code: ErrorCode, message: string): void;
}

export interface PushService {
  handle(conn: object, h: PushHeader, body: Uint8Array, reply: Reply): void;
  /** An update was durably appended to `room` by `pusher`; `live` have the room open. */
  appended(room: string, capHash: string, pusher: object, live: Iterable<object>): void;
  disconnected(conn: object): void;
  close(): Promise<void>;
}

export interface PushServiceOptions {
  store: PushStore;
  vapid: VapidKeys;
  config: PushConfig;
  log: Logger;
  /** The room's capability check, shared with the mailbox (`forbidden` for a wrong capability). */
  authorize(room: string, capHash: string): Promise<'ok' | 'forbidden'>;
  capHash(cap: string): string;
  maxRooms: number;
  retentionMs: number;
  now?: () => number;
}

export function createPushService(opts: PushServiceOptions): PushService {
  const { store, config, log } = opts;
  const now = opts.now ?? Date.now;
  const coalescer = new Coalescer(config.coalesceMs);
  const sender = createPushSender({ vapid: opts.vapid, subject: config.subject, log, onGone: (device) => forget(device) });
  const bound = new Map<object, Set<string>>();
  const buckets = new Map<object, TokenBucket>();
  const expiry = setInterval(() => {
    const n = store.expire(now() - opts.retentionMs);
    if (n > 0) log.info({ event: 'push_expired', devices: n }, 'unrenewed push subscriptions removed');
  }, Math.min(3600_000, Math.max(1000, opts.retentionMs / 10)));
  expiry.unref();

  function forget(device: string): void {
    store.unsubscribe(device);
    coalescer.forget(device);
  }

  function allowed(conn: object): boolean {
    let bucket = buckets.get(conn);
    if (!bucket) buckets.set(conn, (bucket = new TokenBucket({ perSecond: CHANGES_PER_MINUTE / 60, burst: CHANGES_BURST }, performance.now())));
    return bucket.take(performance.now());
  }

  async function subscribe(conn: object, h: Extract<PushHeader, { t: 'push-subscribe' }>, body: Uint8Array, reply: Reply): Promise<void> {
    const checked = checkSubscription(h, { allowLoopbackHttp: config.allowLoopback });
    if (!checked.ok) return reply.refuse(checked.code, checked.message);
    let json: unknown;
    try {
      json = JSON.parse(fromUtf8(body));
    } catch {
      return reply.refuse('bad-request', 'the body of push-subscribe must be a JSON list of {room, cap}');
    }
    const parsed = v.safeParse(PushRoomsSchema, json);
    if (!parsed.success) return reply.refuse('bad-request', 'the body of push-subscribe must be a JSON list of {room, cap}');
    const limit = Math.min(MAX_PUSH_ROOMS, opts.maxRooms);
    if (parsed.output.length > limit) return reply.refuse('too-large', `a push subscription may name at most ${limit} rooms`);
    const device = deviceKey(checked.value.endpoint);
    if (!store.has(device) && store.devices() >= config.maxDevices) return reply.refuse('quota-exceeded', 'this relay keeps no more push subscriptions');
    const rooms = parsed.output.map((r) => ({ room: r.room, capHash: opts.capHash(r.cap) }));
    for (const r of rooms) {
      if ((await opts.authorize(r.room, r.capHash)) === 'forbidden') return reply.refuse('forbidden', 'wrong capability for a room in this subscription');
    }
    store.subscribe(checked.value, rooms, now());
    let mine = bound.get(conn);
    if (!mine) bound.set(conn, (mine = new Set()));
    if (mine.size < MAX_BOUND) mine.add(device);
    reply.answer({ t: 'push-subscribed', id: h.id, rooms: rooms.length });
  }

  return {
    handle(conn, h, body, reply) {
      if (h.t === 'push-key') return reply.answer({ t: 'push-key', id: h.id, key: opts.vapid.publicKey });
      if (!allowed(conn)) return reply.refuse('rate-limited', 'too many push subscription changes; try again in a minute');
      if (h.t === 'push-unsubscribe') {
        const device = deviceKey(h.endpoint);
        const removed = store.unsubscribe(device, h.rooms);
        if (!h.rooms) {
          coalescer.forget(device);
          bound.get(conn)?.delete(device);
        }
        return reply.answer({ t: 'push-unsubscribed', id: h.id, rooms: removed });
      }
      subscribe(conn, h, body, reply).catch((err: unknown) => {
        log.error({ err }, 'push subscribe failed');
        reply.refuse('unavailable', 'the relay could not store this subscription right now; retry');
      });
    },
    appended(room, capHash, pusher, live) {
      const targets = store.targets(room, capHash);
      if (targets.length === 0) return;
      const skip = new Set(bound.get(pusher));
      for (const c of live) for (const d of bound.get(c) ?? []) skip.add(d);
      const t = now();
      for (const target of targets) {
        if (!skip.has(target.device) && coalescer.admit(target.device, t)) sender.send(target);
      }
    },
    disconnected(conn) {
      bound.delete(conn);
      buckets.delete(conn);
    },
    async close() {
      clearInterval(expiry);
      await sender.close();
      store.close();
    },
  };
}
