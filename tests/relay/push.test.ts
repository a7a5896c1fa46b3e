// Web Push from a real relay process with real SQLite files: a local HTTP server stands in for
// the push service (the one mock here, because the real ones are on the internet), and a key pair
// made in the test stands in for the browser's subscription. The relay must POST an encrypted,
// VAPID-signed, content-free push when another connection appends to a subscribed room, and
// refuse or skip everything else.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url, toHex } from '../../src/core/bytes.ts';
import { encodePushRooms, type ClientHeader } from '../../src/core/protocol.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { BrowserSubscription, PushServiceStandIn, verifyVapid } from './push-service.ts';
import { V1Client, type Received } from './v1-client.ts';

const room = () => toHex(randomBytes(16));
const cap = () => toBase64Url(randomBytes(32));
const id = () => toBase64Url(randomBytes(12));
const SUBJECT = 'mailto:ops@floe.example';

let relay: RelayProcess;
let v1: string;
let service: PushServiceStandIn;

beforeAll(async () => {
  service = await PushServiceStandIn.start();
  relay = await startRelay({ args: ['--push-allow-loopback', 'on', '--push-coalesce-ms', '0', '--push-subject', SUBJECT, '--max-rooms-per-conn', '8'] });
  v1 = relay.signalUrl.replace('/signal', '/v1');
});
afterAll(async () => {
  await relay?.stop();
  await service?.close();
});

async function request(c: V1Client, header: ClientHeader & { id: string }, body?: Uint8Array): Promise<Received> {
  const from = c.frames.length;
  c.send(header, body);
  return c.next((f) => 'id' in f.header && f.header.id === header.id, from);
}

function subscribe(c: V1Client, sub: BrowserSubscription, rooms: { room: string; cap: string }[]): Promise<Received> {
  return request(c, { t: 'push-subscribe', id: id(), endpoint: sub.endpoint, ...sub.keys }, encodePushRooms(rooms));
}

const browser = (name: string) => new BrowserSubscription(`${service.origin}/push/${name}`);

/** Appends an update from a fresh connection (another device) and closes it. */
async function appendElsewhere(r: string, k: string, body = Uint8Array.of(1)): Promise<void> {
  const other = await V1Client.connect(v1);
  expect((await other.push(r, k, id(), body)).header.t).toBe('ack');
  other.close();
}

/**
 * "No push happened" cannot be awaited directly: after the update that must not push, a marker
 * update to another subscribed room must push, and pushes leave in the order updates arrive. So
 * exactly one push (the marker's) proves the first update pushed nothing.
 */
async function expectOnlyMarker(name: string, before: number, marker: () => Promise<void>): Promise<void> {
  await marker();
  await service.waitFor(name, before + 1);
  await new Promise((r) => setTimeout(r, 300));
  expect(service.to(name)).toHaveLength(before + 1);
}

describe('Web Push from the relay', () => {
  it('sends an encrypted, VAPID-signed push with no content when another device appends', async () => {
    const [r, k] = [room(), cap()];
    const sub = browser('alice-phone');
    const phone = await V1Client.connect(v1);
    const key = await request(phone, { t: 'push-key', id: id() });
    expect(key.header).toMatchObject({ t: 'push-key' });
    const vapidKey = (key.header as { key: string }).key;
    expect((await subscribe(phone, sub, [{ room: r, cap: k }])).header).toMatchObject({ t: 'push-subscribed', rooms: 1 });
    phone.close(); // the app is closed: only a push can tell it

    const secret = new TextEncoder().encode('meet me at the usual place');
    await appendElsewhere(r, k, secret);
    const [push] = await service.waitFor('alice-phone');
    expect(push!.headers['content-encoding']).toBe('aes128gcm');
    expect(push!.headers.topic).toBe('floe-new');
    expect(Number(push!.headers.ttl)).toBeGreaterThan(0);
    const vapid = verifyVapid(push!.headers);
    expect(vapid.key).toBe(vapidKey);
    expect(vapid.claims.aud).toBe(service.origin);
    expect(vapid.claims.sub).toBe(SUBJECT);
    expect(vapid.claims.exp * 1000).toBeGreaterThan(Date.now());
    expect(vapid.claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);

    const plain = sub.decrypt(push!.body).toString('utf8');
    expect(JSON.parse(plain)).toEqual({ v: 1, t: 'new' });
    expect(plain).not.toContain(r);
    expect(push!.body.includes(Buffer.from(secret))).toBe(false);
    // The relay's log names neither the endpoint nor any key.
    expect(relay.logs()).not.toContain('alice-phone');
    expect(relay.logs()).not.toContain(sub.keys.auth);
  });

  it('keeps its VAPID key in the data directory, mode 0600, never logged', () => {
    const path = join(relay.dataDir, 'vapid-key.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { privateKey } = JSON.parse(readFileSync(path, 'utf8')) as { privateKey: string };
    expect(relay.logs()).not.toContain(privateKey);
  });

  it("never pushes a device for its own updates, nor while it has the room open", async () => {
    const [r, k, marker, mk] = [room(), cap(), room(), cap()];
    const sub = browser('bob-laptop');
    const laptop = await V1Client.connect(v1);
    await subscribe(laptop, sub, [{ room: r, cap: k }, { room: marker, cap: mk }]);
    // Its own update: the subscribing connection is this device.
    await expectOnlyMarker('bob-laptop', 0, async () => {
      expect((await laptop.push(r, k, id(), Uint8Array.of(9))).header.t).toBe('ack');
      await appendElsewhere(marker, mk);
    });
    // Someone else's update to a room the device has open arrives live: no push either.
    await laptop.open(r, k);
    await expectOnlyMarker('bob-laptop', 1, async () => {
      await appendElsewhere(r, k);
      await appendElsewhere(marker, mk);
    });
    laptop.close();
  });

  it('sends nothing for a room the device unsubscribed from (muted), and nothing after a full unsubscribe', async () => {
    const [muted, mk, other, ok] = [room(), cap(), room(), cap()];
    const sub = browser('carol-phone');
    const phone = await V1Client.connect(v1);
    await subscribe(phone, sub, [{ room: muted, cap: mk }, { room: other, cap: ok }]);
    const unsub = await request(phone, { t: 'push-unsubscribe', id: id(), endpoint: sub.endpoint, rooms: [muted] });
    expect(unsub.header).toMatchObject({ t: 'push-unsubscribed', rooms: 1 });
    phone.close();
    await expectOnlyMarker('carol-phone', 0, async () => {
      await appendElsewhere(muted, mk);
      await appendElsewhere(other, ok);
    });
    // Resubscribing with a smaller set (what a client does on connect) also drops the room.
    const again = await V1Client.connect(v1);
    await subscribe(again, sub, [{ room: other, cap: ok }]);
    const all = await request(again, { t: 'push-unsubscribe', id: id(), endpoint: sub.endpoint });
    expect(all.header).toMatchObject({ t: 'push-unsubscribed', rooms: 1 });
    again.close();
    // Gone entirely: a new subscription of another device is the marker.
    const watcher = browser('carol-watch');
    const w = await V1Client.connect(v1);
    await subscribe(w, watcher, [{ room: other, cap: ok }]);
    w.close();
    await appendElsewhere(other, ok);
    await service.waitFor('carol-watch');
    await new Promise((r) => setTimeout(r, 300));
    expect(service.to('carol-phone')).toHaveLength(1);
  });

  it('refuses to subscribe to a room without its capability, and stores nothing', async () => {
    const [r, k] = [room(), cap()];
    await appendElsewhere(r, k);
    const sub = browser('eve');
    const eve = await V1Client.connect(v1);
    const refused = await subscribe(eve, sub, [{ room: r, cap: cap() }]);
    expect(refused.header).toMatchObject({ t: 'error', code: 'forbidden' });
    eve.close();
    await appendElsewhere(r, k);
    await new Promise((r) => setTimeout(r, 500));
    expect(service.to('eve')).toHaveLength(0);
  });

  it('refuses malformed subscriptions with typed errors and keeps serving', async () => {
    const c = await V1Client.connect(v1);
    const good = browser('ok').keys;
    const rooms = encodePushRooms([{ room: room(), cap: cap() }]);
    const cases: [string, Partial<{ endpoint: string; p256dh: string; auth: string }>, string, Uint8Array?][] = [
      ['not a URL', { endpoint: 'not a url' }, 'bad-endpoint'],
      ['plain http off loopback', { endpoint: 'http://push.example.com/x' }, 'bad-endpoint'],
      ['an IP address', { endpoint: 'https://10.0.0.7/push/x' }, 'bad-endpoint'],
      ['another port', { endpoint: 'https://push.example.com:8443/x' }, 'bad-endpoint'],
      ['a private name', { endpoint: 'https://router.local/x' }, 'bad-endpoint'],
      ['credentials', { endpoint: 'https://u:p@push.example.com/x' }, 'bad-endpoint'],
      ['oversized endpoint', { endpoint: `https://push.example.com/${'a'.repeat(1100)}` }, 'too-large'],
      ['short p256dh', { p256dh: toBase64Url(randomBytes(33)) }, 'bad-keys'],
      ['p256dh off the curve', { p256dh: toBase64Url(Buffer.concat([Buffer.of(4), Buffer.alloc(64, 1)])) }, 'bad-keys'],
      ['short auth', { auth: toBase64Url(randomBytes(8)) }, 'bad-keys'],
      ['auth not base64url', { auth: '!!!!' }, 'bad-keys'],
      ['body not JSON', {}, 'bad-request', new TextEncoder().encode('{')],
      ['body not rooms', {}, 'bad-request', new TextEncoder().encode('[{"room":"x"}]')],
      ['too many rooms', {}, 'too-large', encodePushRooms(Array.from({ length: 9 }, () => ({ room: room(), cap: cap() })))],
    ];
    // A connection may change subscriptions 10 times at once (then 30 a minute): spread the cases.
    for (const [i, [name, override, code, body]] of cases.entries()) {
      const header = { t: 'push-subscribe' as const, id: id(), endpoint: `${service.origin}/push/ok`, ...good, ...override };
      const conn = i % 2 === 0 ? c : await V1Client.connect(v1);
      const answer = await request(conn, header, body ?? rooms);
      expect(answer.header, name).toMatchObject({ t: 'error', code });
      expect(conn.closed, name).toBeNull();
      if (conn !== c) conn.close();
    }
    const fine = await subscribe(await V1Client.connect(v1), browser('ok'), [{ room: room(), cap: cap() }]);
    expect(fine.header.t).toBe('push-subscribed');
    c.close();
  });

  it('rate-limits subscription changes per connection with a typed error', async () => {
    const c = await V1Client.connect(v1);
    const endpoint = `${service.origin}/push/nobody`;
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push((await request(c, { t: 'push-unsubscribe', id: id(), endpoint })).header.t);
    expect(answers.slice(0, 10)).toEqual(Array(10).fill('push-unsubscribed'));
    expect(answers[10]).toBe('error');
    expect((await request(c, { t: 'push-key', id: id() })).header.t).toBe('push-key');
    c.close();
  });

  it('removes a subscription whose endpoint answers 410 Gone', async () => {
    const [r, k] = [room(), cap()];
    service.status.set('gone', 410);
    const gone = browser('gone');
    const witness = browser('witness');
    for (const sub of [gone, witness]) {
      const c = await V1Client.connect(v1);
      await subscribe(c, sub, [{ room: r, cap: k }]);
      c.close();
    }
    await appendElsewhere(r, k);
    await service.waitFor('gone');
    await service.waitFor('witness');
    await new Promise((r) => setTimeout(r, 200)); // the relay handles the 410 answer
    await appendElsewhere(r, k);
    await service.waitFor('witness', 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(service.to('gone')).toHaveLength(1);
  });
});

describe('Web Push coalescing and switch', () => {
  it('sends at most one push per device per window however busy the room', async () => {
    const busy = await startRelay({ args: ['--push-allow-loopback', 'on', '--push-coalesce-ms', '60000'] });
    try {
      const url = busy.signalUrl.replace('/signal', '/v1');
      const [r, k] = [room(), cap()];
      const sub = browser('busy');
      const c = await V1Client.connect(url);
      expect((await subscribe(c, sub, [{ room: r, cap: k }])).header.t).toBe('push-subscribed');
      c.close();
      const other = await V1Client.connect(url);
      for (let i = 0; i < 5; i++) await other.push(r, k, id(), Uint8Array.of(i));
      other.close();
      await service.waitFor('busy');
      await new Promise((r) => setTimeout(r, 500));
      expect(service.to('busy')).toHaveLength(1);
    } finally {
      await busy.stop();
    }
  });

  it('with --push off refuses push frames with a typed error', async () => {
    const off = await startRelay({ args: ['--push', 'off'] });
    try {
      const c = await V1Client.connect(off.signalUrl.replace('/signal', '/v1'));
      const answer = await request(c, { t: 'push-key', id: id() });
      expect(answer.header).toMatchObject({ t: 'error', code: 'unavailable' });
      c.close();
    } finally {
      await off.stop();
    }
  });
});
