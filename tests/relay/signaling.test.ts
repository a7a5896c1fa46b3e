// /signal against a real relay process: the y-webrtc protocol's semantics, then every kind of
// hostile input, each answered with its documented close code and each followed by proof that
// other clients are still served (a bystander pair connected all along, plus fresh clients).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { SignalClient, expectStillServing } from './signal-client.ts';
import { makeStaticSite, type StaticSite } from './static-site.ts';

let relay: RelayProcess;
let site: StaticSite;
let bystanders: [SignalClient, SignalClient];
const bystanderTopic = `bystander-${randomUUID()}`;

beforeAll(async () => {
  site = makeStaticSite();
  relay = await startRelay({ staticDir: site.staticDir });
  bystanders = [await SignalClient.connect(relay.signalUrl), await SignalClient.connect(relay.signalUrl)];
  await bystanders[0].subscribe(bystanderTopic);
  await bystanders[1].subscribe(bystanderTopic);
});

afterAll(async () => {
  await relay?.stop();
  site?.remove();
});

/** The bystanders, connected before any attack, still talk; and fresh clients are served. */
async function othersUnaffected(): Promise<void> {
  const [a, b] = bystanders;
  expect(a.ws.readyState, 'bystander A still open').toBe(WebSocket.OPEN);
  expect(b.ws.readyState, 'bystander B still open').toBe(WebSocket.OPEN);
  const frame = JSON.stringify({ type: 'publish', topic: bystanderTopic, data: { n: randomUUID() } });
  const from = b.frames.length;
  a.send(frame);
  await b.waitFor((f) => f === frame, from);
  await expectStillServing(relay.url, relay.signalUrl);
}

async function attacker(): Promise<SignalClient> {
  return SignalClient.connect(relay.signalUrl);
}

describe('/signal semantics (stock y-webrtc protocol)', () => {
  it('forwards a publish to every subscriber, the sender included, byte for byte', async () => {
    const [a, b, c] = [await attacker(), await attacker(), await attacker()];
    const topic = randomUUID();
    await a.subscribe(topic);
    await b.subscribe(topic);
    // Odd spacing, key order and non-ASCII must survive: the relay forwards, never re-serializes.
    const frame = `{ "topic":"${topic}",  "type":"publish", "data":{"z":1,"a":"é ✓","n":[1,2.50]} }`;
    const fromA = a.frames.length;
    const fromB = b.frames.length;
    c.send(frame); // c publishes without being subscribed, as the reference server allows
    await a.waitFor((f) => f === frame, fromA);
    await b.waitFor((f) => f === frame, fromB);
    await c.roundTrip();
    expect(c.frames, 'a publisher that is not subscribed gets no copy').toEqual(['{"type":"pong"}']);
    expect(a.frames.join()).not.toContain('clients');

    // A subscriber that publishes gets its own frame back, like every other subscriber.
    const own = JSON.stringify({ type: 'publish', topic, data: 'from-a' });
    const beforeOwn = a.frames.length;
    a.send(own);
    await b.waitFor((f) => f === own, fromB);
    await a.waitFor((f) => f === own, beforeOwn);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('answers ping with exactly {"type":"pong"}', async () => {
    const a = await attacker();
    a.send({ type: 'ping' });
    await a.waitFor(() => true);
    expect(a.frames).toEqual(['{"type":"pong"}']);
    await a.close();
  });

  it('keeps topics apart and stops delivery after unsubscribe', async () => {
    const a = await attacker();
    const b = await attacker();
    const [t1, t2] = [randomUUID(), randomUUID()];
    await a.subscribe(t1, t2);
    await b.subscribe(t1);
    b.send({ type: 'publish', topic: t2, data: 'only-a' });
    await a.waitFor((f) => f.includes('only-a'));
    await b.roundTrip();
    expect(b.frames.some((f) => f.includes('only-a')), 'b is not in t2').toBe(false);

    a.send({ type: 'unsubscribe', topics: [t1, 'never-subscribed'] });
    await a.roundTrip();
    const fromA = a.frames.length;
    b.send({ type: 'publish', topic: t1, data: 'after-unsub' });
    await b.waitFor((f) => f.includes('after-unsub'));
    b.send({ type: 'publish', topic: t2, data: 'still-t2' });
    await a.waitFor((f) => f.includes('still-t2'), fromA);
    expect(a.frames.slice(fromA).some((f) => f.includes('after-unsub')), 'a left t1').toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it('ignores a publish to a topic nobody is subscribed to, and duplicate subscribes', async () => {
    const a = await attacker();
    const topic = randomUUID();
    a.send({ type: 'subscribe', topics: [topic, topic] });
    a.send({ type: 'subscribe', topics: [topic] });
    a.send({ type: 'publish', topic: randomUUID(), data: 'void' });
    a.send({ type: 'publish', topic, data: 'once' });
    await a.roundTrip();
    expect(a.frames.filter((f) => f.includes('once'))).toHaveLength(1);
    expect(a.frames.some((f) => f.includes('void'))).toBe(false);
    await a.close();
  });
});

describe('/signal under hostile input: the offender is closed, everyone else is served', () => {
  it.each([
    { name: 'malformed JSON', frame: '{"type":"subscribe",', code: 1007, reason: 'malformed JSON' },
    { name: 'topics that are not an array', frame: { type: 'subscribe', topics: 'x' }, code: 1007, reason: 'invalid message: topics must be an array of strings' },
    { name: 'a non-string topic', frame: { type: 'subscribe', topics: ['ok', 7] }, code: 1007, reason: 'invalid message: each topic must be a string' },
    { name: 'a numeric publish topic', frame: { type: 'publish', topic: 5 }, code: 1007, reason: 'invalid message: topic must be a string' },
    { name: 'a numeric type', frame: { type: 42 }, code: 1007, reason: 'invalid message: type must be a string' },
    { name: 'a missing type', frame: { topics: ['a'] }, code: 1007, reason: 'invalid message: missing type' },
    { name: 'an unknown type', frame: { type: 'shout' }, code: 1007, reason: 'invalid message: unknown type' },
    { name: 'an array frame', frame: '[1,2,3]', code: 1007, reason: 'invalid message: expected a JSON object' },
    { name: 'deep unclosed nesting', frame: '['.repeat(50_000), code: 1007, reason: 'invalid message: nesting too deep' },
    { name: 'deep nesting at exactly the size limit', frame: '['.repeat(65_536), code: 1007, reason: 'invalid message: nesting too deep' },
    { name: 'deep well-formed nesting inside a publish', frame: `{"type":"publish","topic":"t","data":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, code: 1007, reason: 'invalid message: nesting too deep' },
    { name: 'a topic over 256 characters', frame: { type: 'subscribe', topics: ['x'.repeat(257)] }, code: 1008, reason: 'topic too long' },
    { name: 'a publish to a topic over 256 characters', frame: { type: 'publish', topic: 'x'.repeat(257) }, code: 1008, reason: 'topic too long' },
    { name: '5000 topics at once', frame: { type: 'subscribe', topics: Array.from({ length: 5000 }, (_, i) => `t${i}`) }, code: 1008, reason: 'too many topics' },
  ])('$name → $code "$reason"', async ({ frame, code, reason }) => {
    const bad = await attacker();
    bad.send(frame);
    expect(await bad.closedWithin()).toEqual({ code, reason });
    await othersUnaffected();
  });

  it('a binary frame → 1003', async () => {
    const bad = await attacker();
    bad.ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
    expect(await bad.closedWithin()).toEqual({ code: 1003, reason: 'binary frames are not accepted' });
    await othersUnaffected();
  });

  it('a text frame that is not UTF-8 → 1007 (from ws, no reason)', async () => {
    const bad = await attacker();
    bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await bad.closedWithin()).code).toBe(1007);
    await othersUnaffected();
  });

  it('a frame one byte over the 64 KiB limit → 1009, one at the limit is read', async () => {
    const atLimit = await attacker();
    const pad = 65_536 - JSON.stringify({ type: 'ping', pad: '' }).length;
    atLimit.send({ type: 'ping', pad: 'x'.repeat(pad) });
    await atLimit.waitFor((f) => f === '{"type":"pong"}');
    await atLimit.close();

    const bad = await attacker();
    bad.send({ type: 'ping', pad: 'x'.repeat(pad + 1) });
    expect((await bad.closedWithin()).code).toBe(1009);
    await othersUnaffected();
  });

  it('1024 topics are allowed, the 1025th → 1008 "too many topics"', async () => {
    const bad = await attacker();
    await bad.subscribe(...Array.from({ length: 1024 }, (_, i) => `${randomUUID()}-${i}`));
    expect(bad.ws.readyState).toBe(WebSocket.OPEN);
    bad.send({ type: 'subscribe', topics: ['one-more'] });
    expect(await bad.closedWithin()).toEqual({ code: 1008, reason: 'too many topics' });
    await othersUnaffected();
  });

  it('a topic of exactly 256 characters is fine', async () => {
    const ok = await attacker();
    await ok.subscribe('y'.repeat(256));
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
    await ok.close();
  });

  it('a flood of 2000 frames → 1008 "rate limit exceeded"', async () => {
    const bad = await attacker();
    for (let i = 0; i < 2000; i++) bad.send({ type: 'ping' });
    expect(await bad.closedWithin()).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    const pongs = bad.frames.filter((f) => f === '{"type":"pong"}').length;
    expect(pongs, 'about the burst of 200 was served before the cut').toBeGreaterThanOrEqual(200);
    expect(pongs).toBeLessThan(260);
    await othersUnaffected();
  });

  it('a client within the burst is not limited', async () => {
    const good = await attacker();
    for (let i = 0; i < 150; i++) good.send({ type: 'ping' });
    await good.waitFor(() => good.frames.length >= 150);
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
    await good.close();
  });

  it('many hostile clients at once do not disturb the others', async () => {
    const bad = await Promise.all(Array.from({ length: 20 }, () => attacker()));
    bad.forEach((c, i) => c.send(i % 2 === 0 ? '['.repeat(40_000) : 'garbage'));
    const closes = await Promise.all(bad.map((c) => c.closedWithin()));
    expect(new Set(closes.map((c) => c.code))).toEqual(new Set([1007]));
    await othersUnaffected();
  });
});

describe('relay logs', () => {
  it('never contain topic names or frame contents, only counts and codes', async () => {
    const topic = `private-room-${randomUUID()}`;
    const payload = `private-payload-${randomUUID()}`;
    const a = await attacker();
    await a.subscribe(topic);
    a.send({ type: 'publish', topic, data: payload });
    await a.waitFor((f) => f.includes(payload));
    a.send({ type: 'subscribe', topics: [topic, 7] }); // gets it closed, and logged
    expect((await a.closedWithin()).code).toBe(1007);
    await expect.poll(() => relay.logs()).toContain('"code":1007');
    const logs = relay.logs();
    for (const secret of [topic, payload, bystanderTopic]) expect(logs).not.toContain(secret);
  });
});
