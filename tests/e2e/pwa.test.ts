// The app as an installable PWA, against a real relay process serving the built app (dist/, built
// by `npx vite build` before this suite): the manifest and icons are valid, the first visit
// installs the service worker and hands it the page, and once the relay is gone the app still
// opens — on reload and from a cold start of the same browser profile. The service worker must
// not pretend to be the relay: its endpoints are never answered from the cache. A new version
// waits until the user presses "Update" in the app's banner, then takes over.
import { appendFileSync, cpSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay } from '../support/relay-process.ts';
import { Floe } from './pages.ts';

const distDir = resolve(process.env.FLOE_DIST ?? 'dist');

type Relay = Awaited<ReturnType<typeof startRelay>>;

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new Error('PNG without IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The page as a person would see it: the title and whether Svelte rendered anything into #app. */
async function shell(browser: BrowserHandle) {
  const { page } = browser;
  await page.waitForFunction(() => (document.querySelector('#app')?.childElementCount ?? 0) > 0, null, {
    timeout: 15_000,
  });
  return { title: await page.title(), appChildren: await page.locator('#app > *').count() };
}

describe('Floe as an installable, offline-capable PWA', () => {
  let relay: Relay;
  let browser: BrowserHandle;
  const requested: string[] = [];

  beforeAll(async () => {
    if (!existsSync(resolve(distDir, 'index.html')) || !existsSync(resolve(distDir, 'sw.js'))) {
      throw new Error('dist/ has no built app with a service worker: run `npx vite build` first');
    }
    relay = await startRelay({ staticDir: distDir, dataDir: tempDir('floe-pwa-relay') });
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop(); // idempotent: the offline tests stopped it already
  });

  it('serves a web app manifest with PNG icons of the declared sizes, one maskable', async () => {
    const html = await (await fetch(relay.url)).text();
    const href = /<link rel="manifest" href="([^"]+)"/.exec(html)?.[1];
    expect(href, 'index.html links the manifest').toBeDefined();

    const res = await fetch(new URL(href!, relay.url));
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as {
      name: string;
      short_name: string;
      start_url: string;
      scope: string;
      display: string;
      theme_color: string;
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    };
    expect(manifest).toMatchObject({
      name: 'Floe',
      short_name: 'Floe',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: '#1677ff',
    });
    expect(manifest.icons.map((i) => i.sizes).sort()).toEqual(['192x192', '512x512', '512x512']);
    expect(manifest.icons.filter((i) => i.purpose?.split(' ').includes('maskable'))).toHaveLength(1);
    // An installable app needs a 192 and a 512 icon usable as "any" (the default purpose).
    const anySizes = manifest.icons.filter((i) => (i.purpose ?? 'any').split(' ').includes('any')).map((i) => i.sizes);
    expect(anySizes).toEqual(expect.arrayContaining(['192x192', '512x512']));

    for (const icon of manifest.icons) {
      const r = await fetch(new URL(icon.src, relay.url));
      expect(r.status, icon.src).toBe(200);
      expect(icon.type).toBe('image/png');
      const { width, height } = pngSize(new Uint8Array(await r.arrayBuffer()));
      expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
    }
  });

  it('installs the service worker on the first visit, which then controls the page', async () => {
    browser = await openBrowser({ origin: relay.url });
    browser.context.on('request', (r) => requested.push(r.url()));
    await browser.page.goto(relay.url);
    expect(await shell(browser)).toMatchObject({ title: 'Floe' });

    // No reload needed: the worker claims the page it was installed from.
    await browser.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    const state = await browser.page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      const cacheNames = await caches.keys();
      const precached = (
        await Promise.all(cacheNames.map(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url)))
      ).flat();
      return { script: reg.active?.scriptURL, scope: reg.scope, precached };
    });
    expect(state.script).toBe(new URL('/sw.js', relay.url).href);
    expect(state.scope).toBe(new URL('/', relay.url).href);
    expect(state.precached.some((u) => new URL(u).pathname === '/index.html')).toBe(true);
    expect(state.precached.some((u) => /\/assets\/.+\.js$/.test(new URL(u).pathname))).toBe(true);
  });

  it('asks nothing of any host but its own origin', () => {
    const origin = new URL(relay.url).origin;
    const foreign = requested.filter((u) => /^(https?|wss?):/.test(u) && new URL(u).origin !== origin);
    expect(foreign).toEqual([]);
    expect(requested.some((u) => new URL(u).pathname === '/sw.js')).toBe(true);
  });

  it('still opens with the relay stopped, on reload and on a deep link', async () => {
    await relay.stop();
    await expect(fetch(new URL('/healthz', relay.url)), 'the relay is really gone').rejects.toThrow();

    await browser.page.reload();
    const offline = await shell(browser);
    expect(offline.title).toBe('Floe');
    expect(offline.appChildren).toBeGreaterThan(0);
    expect(await browser.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    // Any in-app path is answered with the shell, so the app can route it itself.
    await browser.page.goto(new URL('/some/deep/link?x=1', relay.url).href);
    expect((await shell(browser)).title).toBe('Floe');
  });

  it('offline, a missing asset fails on its own without breaking the shell', async () => {
    const missing = await browser.page.evaluate(async () => {
      try {
        const r = await fetch('/assets/no-such-chunk.js');
        return `status ${r.status}`;
      } catch (e) {
        return `rejected: ${(e as Error).name}`;
      }
    });
    expect(missing).toMatch(/^rejected: TypeError/);
    // A script tag for it fails too, and the page keeps running.
    const scriptFailed = await browser.page.evaluate(
      () =>
        new Promise<boolean>((done) => {
          const s = document.createElement('script');
          s.src = '/assets/no-such-chunk.js';
          s.onerror = () => done(true);
          s.onload = () => done(false);
          document.head.append(s);
        }),
    );
    expect(scriptFailed).toBe(true);
    const after = await shell(browser);
    expect(after.title).toBe('Floe');
    expect(after.appChildren).toBeGreaterThan(0);
  });

  it("offline, the relay's endpoints are not faked with the cached shell", async () => {
    for (const path of ['/healthz', '/metrics', '/signal', '/v1']) {
      const page = await browser.context.newPage();
      // A navigation the worker lets through to the (absent) network fails outright.
      await expect(page.goto(new URL(path, relay.url).href), path).rejects.toThrow(/ERR_CONNECTION_REFUSED|ERR_FAILED/);
      await page.close();
    }
  });

  it('cold-starts from the same profile with no relay, like an installed app', async () => {
    browser = await browser.reopen();
    await browser.page.goto(relay.url);
    const cold = await shell(browser);
    expect(cold.title).toBe('Floe');
    expect(cold.appChildren).toBeGreaterThan(0);
    // Not just a placeholder: the app itself starts (a new profile lands on onboarding).
    await expect
      .poll(() => browser.page.getByRole('button', { name: 'Create account' }).isVisible(), { timeout: 15_000 })
      .toBe(true);
    expect(browser.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });

  // Onboarding, the Contacts, Wallet and Settings screens, the wallet's ledger code and the
  // notifications are separate chunks loaded on first use (docs/decisions.md 20): with the relay
  // gone they can only come from the service worker's precache.
  it('offline, a new account opens every screen: the lazily loaded chunks come from the precache', async () => {
    const floe = new Floe(browser.page);
    await floe.createAccount('Offline');
    for (const [tab, heading] of [['Contacts', 'Contacts'], ['Wallet', 'Wallet'], ['Settings', 'Settings']] as const) {
      await floe.nav(tab).click();
      await browser.page.getByRole('heading', { name: heading, level: 2 }).waitFor({ timeout: 15_000 });
    }
    // Inside Settings: Devices and Backup came with it; Notifications once its module loaded.
    await browser.page.getByRole('heading', { name: 'Devices', level: 3 }).waitFor();
    await browser.page.getByRole('heading', { name: 'Notifications', level: 3 }).waitFor({ timeout: 15_000 });
    expect(browser.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });
});

describe('a new version of the app', () => {
  let relay: Relay;
  let browser: BrowserHandle;

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('waits for the user: a banner offers "Update", which switches to it and reloads the app', async () => {
    // The relay serves a copy of the build, so the test can publish a "new version" of it.
    const appDir = tempDir('floe-pwa-app');
    cpSync(distDir, appDir, { recursive: true });
    relay = await startRelay({ staticDir: appDir, dataDir: tempDir('floe-pwa-relay') });
    browser = await openBrowser({ origin: relay.url });
    await browser.page.goto(relay.url);
    await browser.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

    // Any byte change to sw.js is a new version (a rebuild changes its precache list).
    appendFileSync(resolve(appDir, 'sw.js'), '\n// next version\n');
    relay = await relay.restart(); // same port, so the same origin and registration

    const page = browser.page;
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      await reg.update();
    });
    await page.waitForFunction(
      async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state === 'installed',
      null,
      { timeout: 30_000, polling: 100 },
    );
    // It stays waiting: the running version is not replaced behind the user's back.
    await page.waitForTimeout(1_000);
    const waiting = await page.evaluate(async () => {
      const reg = (await navigator.serviceWorker.getRegistration())!;
      return { waiting: reg.waiting?.state, controllerIsActive: navigator.serviceWorker.controller === reg.active };
    });
    expect(waiting).toEqual({ waiting: 'installed', controllerIsActive: true });

    // The user is told, and "Update" (AppUpdates.applyUpdate → SKIP_WAITING) switches versions;
    // the app reloads itself once the new worker controls it.
    await expect.poll(() => page.getByText('A new version of Floe is available').isVisible(), { timeout: 15_000 }).toBe(true);
    const reloaded = page.waitForEvent('load', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Update' }).click();
    await reloaded;
    const after = await page.evaluate(async () => {
      const reg = (await navigator.serviceWorker.getRegistration())!;
      return { waiting: reg.waiting, controllerIsActive: navigator.serviceWorker.controller === reg.active };
    });
    expect(after).toEqual({ waiting: null, controllerIsActive: true });
    expect((await shell(browser)).title).toBe('Floe');
    expect(await page.getByText('A new version of Floe is available').isVisible()).toBe(false);
  });
});
