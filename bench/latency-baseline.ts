// The baseline for benchmark 1: the same two browsers, each on a page that bundles only yjs and
// y-webrtc (bench/baseline/), signaling through the same relay's /signal with a password as the
// app does. One page pushes a string into a Y.Array, the other records when its observer sees it.
// Same timestamps as the app measurement (timeOrigin + now() in each page), same sample count,
// one message at a time.
import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { GRANTED_PERMISSIONS } from '../tests/support/browser.ts';
import { distribution, sleep, withTimeout, type Distribution } from './lib/stats.ts';

interface BaselineApi {
  join(signal: string, room: string, password: string): void;
  peers(): number;
  send(text: string): number;
  arrival(text: string, ms: number): Promise<number>;
  leave(): void;
}
type WithBaseline = { baseline: BaselineApi };

const ARRIVAL_TIMEOUT_MS = 10_000;

async function openPage(context: BrowserContext, origin: string): Promise<Page> {
  // Host ICE candidates (not mDNS names) need the media permissions, as for the app's origin.
  await context.grantPermissions([...GRANTED_PERMISSIONS], { origin });
  const page = await context.newPage();
  await page.goto(`${origin}/baseline/index.html`);
  await page.waitForFunction(() => 'baseline' in window, undefined, { timeout: 10_000 });
  return page;
}

export async function measureBareYwebrtc(
  sender: BrowserContext,
  receiver: BrowserContext,
  origin: string,
  signalUrl: string,
  samples: number,
  warmup: number,
): Promise<Distribution> {
  const a = await openPage(sender, origin);
  const b = await openPage(receiver, origin);
  try {
    const room = randomBytes(16).toString('hex');
    const password = randomBytes(32).toString('base64url');
    for (const p of [a, b]) await p.evaluate(([s, r, pw]) => (window as unknown as WithBaseline).baseline.join(s!, r!, pw!), [signalUrl, room, password]);
    await withTimeout('bare y-webrtc peers to connect', 30_000, (async () => {
      for (;;) {
        const [pa, pb] = await Promise.all([a, b].map((p) => p.evaluate(() => (window as unknown as WithBaseline).baseline.peers())));
        if (pa! > 0 && pb! > 0) return;
        await sleep(100);
      }
    })());

    const latencies: number[] = [];
    for (let i = 0; i < warmup + samples; i++) {
      const text = `base ${i} ${randomBytes(4).toString('hex')}`;
      const sent = await a.evaluate((t) => (window as unknown as WithBaseline).baseline.send(t), text);
      const arrived = await b.evaluate(([t, ms]) => (window as unknown as WithBaseline).baseline.arrival(t as string, ms as number), [text, ARRIVAL_TIMEOUT_MS] as const);
      if (i >= warmup) latencies.push(arrived - sent);
      await sleep(20); // one message at a time, like a person typing, as in the app measurement
    }
    return distribution(latencies);
  } finally {
    for (const p of [a, b]) await p.evaluate(() => (window as unknown as WithBaseline).baseline.leave()).catch(() => undefined);
    await Promise.all([a.close(), b.close()]);
  }
}
