// Sends content-free Web Push messages (RFC 8030) for the relay: the payload is a fixed marker,
// encrypted to the subscription's keys (RFC 8291, aes128gcm) and signed for with the relay's VAPID
// key (RFC 8292), all by the `web-push` library; this module only moves the request it builds.
//
// Invariants:
// - Never blocks the mailbox: `send` enqueues and returns; at most `concurrency` requests are in
//   flight and at most `maxQueue` wait, past which pushes are dropped (counted, not logged each).
// - A push service answering 404 or 410 means the subscription is gone for good: `onGone` drops it.
//   Other failures are logged by status only, and not retried: the next message pushes again.
// - Endpoints, keys and the JWT are never logged (an endpoint lets anyone push to that device).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import webpush from 'web-push';
import type { Logger } from '../log.ts';
import type { PushTarget } from './store.ts';
import type { VapidKeys } from './vapid.ts';

/** What every push carries once decrypted: that there is something new, and nothing else. */
export const PUSH_PAYLOAD = '{"v":1,"t":"new"}';
/** The push service keeps only the newest undelivered push with this topic per subscription. */
export const PUSH_TOPIC = 'floe-new';
/** A day: a device that was off longer learns of its messages when the app opens anyway. */
export const PUSH_TTL_SECONDS = 86_400;

export interface PushSenderOptions {
  vapid: VapidKeys;
  subject: string;
  log: Logger;
  onGone(device: string): void;
  concurrency?: number;
  maxQueue?: number;
  timeoutMs?: number;
}

export interface PushSender {
  send(target: PushTarget): void;
  /** Waits for requests in flight (bounded by their timeout); queued ones are dropped. */
  close(): Promise<void>;
}

export function createPushSender(opts: PushSenderOptions): PushSender {
  const concurrency = opts.concurrency ?? 8;
  const maxQueue = opts.maxQueue ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const queue: PushTarget[] = [];
  const inFlight = new Set<Promise<void>>();
  let dropped = 0;
  let closed = false;

  function post(target: PushTarget): Promise<number> {
    const details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, PUSH_PAYLOAD, {
      vapidDetails: { subject: opts.subject, publicKey: opts.vapid.publicKey, privateKey: opts.vapid.privateKey },
      TTL: PUSH_TTL_SECONDS,
      urgency: 'normal',
      topic: PUSH_TOPIC,
      contentEncoding: 'aes128gcm',
    });
    const url = new URL(details.endpoint);
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: details.headers as Record<string, string | number>, timeout: timeoutMs }, (res) => {
        res.resume(); // the answer's body means nothing to us; drain it so the socket is freed
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('push service timed out')));
      req.on('error', reject);
      req.end(details.body);
    });
  }

  async function deliver(target: PushTarget): Promise<void> {
    try {
      const status = await post(target);
      if (status === 404 || status === 410) {
        opts.onGone(target.device);
        opts.log.info({ event: 'push_gone', status }, 'push subscription expired; removed');
      } else if (status < 200 || status >= 300) {
        opts.log.warn({ event: 'push_refused', status }, 'push service refused a push');
      }
    } catch (err) {
      opts.log.warn({ event: 'push_failed', reason: (err as Error).message }, 'push could not be sent');
    }
  }

  function pump(): void {
    while (!closed && inFlight.size < concurrency && queue.length > 0) {
      const job = deliver(queue.shift()!).finally(() => {
        inFlight.delete(job);
        pump();
      });
      inFlight.add(job);
    }
  }

  return {
    send(target) {
      if (closed) return;
      if (queue.length >= maxQueue) {
        if (dropped++ % 1000 === 0) opts.log.warn({ event: 'push_queue_full', dropped }, 'push queue full; dropping pushes');
        return;
      }
      queue.push(target);
      pump();
    },
    async close() {
      closed = true;
      queue.length = 0;
      await Promise.allSettled([...inFlight]);
    },
  };
}
