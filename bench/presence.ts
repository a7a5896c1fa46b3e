// Benchmark 8: a presence change visible to a contact, over both paths, in the real app (two
// Chromium profiles, a real relay process, accounts and contact made through the UI).
//
// What is timed, per sample: Bob picks a status in his Status menu (a capturing `change`
// listener on his document takes the time before the app handles it) until the word in the
// header of Alice's open conversation with Bob shows it (a MutationObserver in her page). Both
// are performance.timeOrigin + performance.now(); the browsers share the machine's clock.
//
// Paths:
// - WebRTC + relay: the normal app after "Connected directly". Every beacon goes over Yjs
//   awareness and the relay's ephemeral frame; whichever arrives first shows.
// - Relay only: both apps reloaded with `?webrtc=off` (conversations never join WebRTC).
// Baselines, same run, same machine: a bare y-webrtc awareness update between the two browsers
// (bench/baseline/, no sealing, no app), and a raw ephemeral frame through the relay between
// two Node sockets (no sealing, no browser).
import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { Floe } from '../tests/e2e/pages.ts';
import { V1Client } from '../tests/relay/v1-client.ts';
import type { RelayProcess } from '../tests/support/relay-process.ts';
import { waitForIdleChromium } from './lib/chromium-gate.ts';
import type { BenchResult } from './lib/report.ts';
import { aliceAndBobAsContacts, pageErrors, withTwoBrowsers } from './lib/two-browsers.ts';
import { distribution, fmt, sleep, withTimeout, type Distribution } from './lib/stats.ts';

const SAMPLES = 60;
const WARMUP = 5;
const TIMEOUT_MS = 10_000;
const TARGET_P50_MS = 200;
const CYCLE = ['Busy', 'Away', 'Online'] as const;

interface Watch {
  sends: { value: string; t: number }[];
  seen(word: string, after: number, ms: number): Promise<number>;
}
type WithWatch = { floePresenceBench: Watch };

/** Installed in both pages: Bob's status choices, and the word in Alice's conversation header. */
function install(): void {
  const now = () => performance.timeOrigin + performance.now();
  const sends: { value: string; t: number }[] = [];
  const shown: { word: string; t: number }[] = [];
  const waiters = new Set<() => void>();
  document.addEventListener(
    'change',
    (e) => {
      const input = e.target;
      if (input instanceof HTMLInputElement && input.name === 'status') sends.push({ value: input.value, t: now() });
    },
    true,
  );
  let last = '';
  const scan = () => {
    const word = document.querySelector('section.conversation header .presence .word')?.textContent ?? '';
    if (word === last) return;
    last = word;
    shown.push({ word, t: now() });
    for (const w of waiters) w();
  };
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
  const seen = (word: string, after: number, ms: number) =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const hit = shown.find((s) => s.word === word && s.t >= after);
        if (!hit) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit.t);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`"${word}" not shown within ${ms} ms`));
      }, ms);
      if (!check()) waiters.add(check);
    });
  (window as unknown as WithWatch).floePresenceBench = { sends, seen };
}

async function instrument(page: Page): Promise<void> {
  // tsx wraps inner functions in __name() (esbuild keepNames); the page needs the helper.
  await page.evaluate('globalThis.__name ??= (f) => f');
  await page.evaluate(install);
}

/** Bob changes his status SAMPLES + WARMUP times; returns the latencies until Alice sees each. */
async function measureApp(a: Floe, b: Floe): Promise<Distribution> {
  await instrument(a.page);
  await instrument(b.page);
  const button = b.page.getByRole('button', { name: /^Status\b/ });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  const latencies: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const label = CYCLE[i % CYCLE.length]!;
    await b.page.getByRole('radio', { name: label }).check();
    const sent = await b.page.evaluate(() => (window as unknown as WithWatch).floePresenceBench.sends.at(-1)?.t);
    if (sent === undefined) throw new Error('no send time recorded');
    const shown = await a.page.evaluate(([w, s, ms]) => (window as unknown as WithWatch).floePresenceBench.seen(w as string, s as number, ms as number), [label, sent, TIMEOUT_MS] as const);
    if (i >= WARMUP) latencies.push(shown - sent);
    await sleep(30);
  }
  await button.click();
  return distribution(latencies);
}

/** Bare y-webrtc awareness between the same two browsers (bench/baseline/). */
async function awarenessBaseline(alice: BrowserContext, bob: BrowserContext, origin: string, signalUrl: string): Promise<Distribution> {
  type Api = { baseline: { join(s: string, r: string, p: string): void; peers(): number; setAwareness(v: string): number; arrival(v: string, ms: number): Promise<number>; leave(): void } };
  const open = async (ctx: BrowserContext) => {
    const page = await ctx.newPage();
    await page.goto(`${origin}/baseline/index.html`);
    await page.waitForFunction(() => 'baseline' in window, undefined, { timeout: 10_000 });
    return page;
  };
  const [pa, pb] = [await open(bob), await open(alice)];
  try {
    const room = randomBytes(16).toString('hex');
    const password = randomBytes(32).toString('base64url');
    for (const p of [pa, pb]) await p.evaluate(([s, r, pw]) => (window as unknown as Api).baseline.join(s!, r!, pw!), [signalUrl, room, password]);
    await withTimeout('baseline peers', 30_000, (async () => {
      while ((await pa.evaluate(() => (window as unknown as Api).baseline.peers())) === 0 || (await pb.evaluate(() => (window as unknown as Api).baseline.peers())) === 0) await sleep(100);
    })());
    // Peers counted does not yet mean awareness flows (an update sent in the first moments of a
    // connection can be lost: seen in 2 of 5 runs): the baseline starts once one value got across.
    await withTimeout('baseline awareness flowing', 30_000, (async () => {
      for (let k = 0; ; k++) {
        const value = `ready ${k}`;
        await pa.evaluate((v) => (window as unknown as Api).baseline.setAwareness(v), value);
        const arrived = await pb.evaluate(([v, ms]) => (window as unknown as Api).baseline.arrival(v as string, ms as number).then(() => true, () => false), [value, 1_000] as const);
        if (arrived) return;
      }
    })());
    const latencies: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const value = `status ${i} ${randomBytes(3).toString('hex')}`;
      const sent = await pa.evaluate((v) => (window as unknown as Api).baseline.setAwareness(v), value);
      const got = await pb.evaluate(([v, ms]) => (window as unknown as Api).baseline.arrival(v as string, ms as number), [value, TIMEOUT_MS] as const);
      if (i >= WARMUP) latencies.push(got - sent);
      await sleep(30);
    }
    return distribution(latencies);
  } finally {
    for (const p of [pa, pb]) await p.evaluate(() => (window as unknown as Api).baseline.leave()).catch(() => undefined);
    await Promise.all([pa.close(), pb.close()]);
  }
}

/** A raw ephemeral frame through the relay between two Node sockets. */
async function relayBaseline(relay: RelayProcess): Promise<Distribution> {
  const v1 = relay.signalUrl.replace('/signal', '/v1');
  const [room, cap] = [randomBytes(16).toString('hex'), randomBytes(32).toString('base64url')];
  const a = await V1Client.connect(v1);
  const b = await V1Client.connect(v1);
  try {
    await a.push(room, cap, randomBytes(12).toString('base64url'), Uint8Array.of(1));
    await a.open(room, cap);
    await b.open(room, cap);
    const latencies: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const from = b.frames.length;
      const t0 = performance.now();
      a.send({ t: 'ephemeral', room, cap }, new Uint8Array(randomBytes(220))); // a sealed beacon's size
      await b.next((f) => f.header.t === 'ephemeral', from, TIMEOUT_MS);
      if (i >= WARMUP) latencies.push(performance.now() - t0);
      await sleep(30); // well under the relay's ephemeral rate limit
    }
    return distribution(latencies);
  } finally {
    a.close();
    b.close();
  }
}

const ms = (v: number) => fmt(v, 'ms', 1);

export async function benchPresence(log: (line: string) => void): Promise<BenchResult> {
  const waited = await waitForIdleChromium(log);
  const started = performance.now();
  return withTwoBrowsers({ width: 900, height: 800 }, async (stage) => {
    const { relay, pages, alice, bob } = stage;

    log('presence: baselines (bare awareness over y-webrtc; raw ephemeral frame through the relay)');
    const awareness = await withTimeout('awareness baseline', 120_000, awarenessBaseline(alice.context, bob.context, pages.url, relay.signalUrl));
    const raw = await withTimeout('relay baseline', 60_000, relayBaseline(relay));
    log(`presence: baselines p50 ${ms(awareness.p50)} / ${ms(raw.p50)}; onboarding`);

    const { a, b } = await withTimeout('onboarding', 90_000, aliceAndBobAsContacts(stage));
    await b.openConversation('Alice');
    for (const p of [a.page, b.page]) await p.getByText('Connected directly').waitFor({ timeout: 30_000 });
    await a.waitForStatus('Bob', 'header', /^Online/);
    log('presence: measuring WebRTC + relay');
    const both = await withTimeout('presence over both paths', 180_000, measureApp(a, b));
    log(`presence: both paths p50 ${ms(both.p50)}; reloading with ?webrtc=off`);

    for (const p of [alice.page, bob.page]) await p.goto(`${relay.url}/?webrtc=off#/chats`);
    await a.openConversation('Bob');
    await b.openConversation('Alice');
    await a.page.getByText('Not connected right now').waitFor({ timeout: 30_000 });
    await a.waitForStatus('Bob', 'header', /^(Online|Away|Busy)/);
    log('presence: measuring relay only');
    const relayOnly = await withTimeout('presence over the relay', 180_000, measureApp(a, b));
    log(`presence: relay only p50 ${ms(relayOnly.p50)}`);
    const errors = pageErrors(stage);

    const row = (figure: string, d: Distribution, base: Distribution, target: boolean) => ({
      figure,
      value: `${ms(d.p50)} (p90 ${ms(d.p90)}, p99 ${ms(d.p99)})`,
      baseline: `${ms(base.p50)} (p90 ${ms(base.p90)}, p99 ${ms(base.p99)})`,
      target: target ? `p50 ≤ ${TARGET_P50_MS} ms` : '—',
      met: target ? d.p50 <= TARGET_P50_MS : null,
    });
    return {
      title: '8. Presence change visible to a contact',
      rows: [
        row('p50, WebRTC + relay (baseline: bare awareness update)', both, awareness, true),
        row('p50, relay only (baseline: raw ephemeral frame via the relay)', relayOnly, raw, true),
        { figure: 'samples per path (after warm-up)', value: String(both.n), baseline: `${awareness.n} / ${raw.n}`, target: `${SAMPLES}`, met: both.n >= SAMPLES && relayOnly.n >= SAMPLES },
      ],
      notes: [
        `Two Chromium profiles and a real relay process; accounts and contact made through the UI. Bob picks Busy, Away, Online in turn in his Status menu, ${WARMUP} warm-up changes then ${SAMPLES} measured per path, one at a time.`,
        'Start = a capturing `change` listener in Bob\'s page sees the radio change (before the app handles it). Visible = a MutationObserver in Alice\'s page sees the word in her conversation header change to it (DOM updated, before paint). Same machine clock.',
        'WebRTC + relay: after "Connected directly"; each beacon is sent over Yjs awareness and, sealed, through the relay; the first to arrive shows. Relay only: both apps reloaded with `?webrtc=off`, and the header shows "Not connected right now".',
        'Baselines: a bare y-webrtc awareness update between the same browsers (bench/baseline/, no sealing, no account doc write, no rendering); a raw 220-byte ephemeral frame between two Node sockets through the same relay (no sealing, no browser). The gap is what the app adds: writing the status to the account doc, sealing, opening, validating and rendering.',
        ...(waited > 1000 ? [`Waited ${fmt(waited / 1000, 's', 0)} for another Chromium run to finish before starting.`] : []),
        ...(errors.length > 0 ? [`Page errors during the run: ${errors.slice(0, 3).join(' / ').slice(0, 300)}`] : []),
      ],
      seconds: (performance.now() - started) / 1000,
    };
  });
}
