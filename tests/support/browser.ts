// The one way tests and benchmarks start a browser: Debian's Chromium (or $CHROMIUM_PATH), never
// a downloaded one, headless, with a persistent profile so a test can close the browser and open
// the same "device" again (IndexedDB, service worker and all).
//
// Camera and microphone are granted to the app's origin because Chromium then exposes real host
// ICE candidates instead of mDNS names, which is what lets two browsers on a loopback-only machine
// connect over WebRTC. Console errors and uncaught page errors are collected in `errors`, so a
// failing test can print what the page complained about.
//
// Browsers are closed when the process exits (Playwright kills what it launched on exit and on
// SIGINT/SIGTERM/SIGHUP); temporary profiles and `tempDir`s are removed then too, unless
// FLOE_KEEP_TMP=1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
] as const;

export const GRANTED_PERMISSIONS = ['camera', 'microphone', 'notifications'] as const;

export interface OpenBrowserOptions {
  /** The app's origin, e.g. the relay's url; permissions are granted to it only. */
  origin: string;
  /** Profile directory; a fresh temporary one (removed on close) when omitted. */
  userDataDir?: string;
  viewport?: { width: number; height: number };
  /** The browser's language (navigator.languages, Accept-Language), e.g. 'ja-JP'; Chromium's default otherwise. */
  locale?: string;
}

export interface BrowserHandle {
  context: BrowserContext;
  /** The context's first page (more can be opened with `context.newPage()`). */
  page: Page;
  userDataDir: string;
  /** Console errors and uncaught exceptions from every page of this launch, in order. */
  errors: string[];
  /** Closes the browser; also removes the profile if `openBrowser` created it. */
  close(): Promise<void>;
  /** Closes the browser, keeping the profile, and launches it again on the same profile. */
  reopen(): Promise<BrowserHandle>;
}

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

const keepTmp = process.env.FLOE_KEEP_TMP === '1';
const tempDirs = new Set<string>();
const openContexts = new Set<BrowserContext>();

process.once('exit', () => {
  if (keepTmp) return;
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the process exits (unless FLOE_KEEP_TMP=1). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export async function openBrowser(opts: OpenBrowserOptions): Promise<BrowserHandle> {
  const owned = opts.userDataDir === undefined;
  const userDataDir = opts.userDataDir ?? tempDir('floe-profile');
  return launch({ ...opts, userDataDir }, owned);
}

async function launch(opts: OpenBrowserOptions & { userDataDir: string }, ownsProfile: boolean): Promise<BrowserHandle> {
  const origin = new URL(opts.origin).origin;
  const context = await chromium.launchPersistentContext(opts.userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: opts.viewport ?? { width: 1024, height: 768 },
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
  openContexts.add(context);
  context.once('close', () => openContexts.delete(context));

  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack ?? err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);

  try {
    await context.grantPermissions([...GRANTED_PERMISSIONS], { origin });
  } catch (e) {
    await context.close();
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());

  let closed = false;
  const closeBrowser = async () => {
    if (closed) return;
    closed = true;
    await context.close();
  };
  return {
    context,
    page,
    userDataDir: opts.userDataDir,
    errors,
    async close() {
      await closeBrowser();
      if (ownsProfile && !keepTmp) {
        rmSync(opts.userDataDir, { recursive: true, force: true });
        tempDirs.delete(opts.userDataDir);
      }
    },
    async reopen() {
      await closeBrowser();
      return launch(opts, ownsProfile);
    },
  };
}

/** Closes every browser this process opened; for an `afterAll` that wants to be sure. */
export async function closeAllBrowsers(): Promise<void> {
  await Promise.allSettled([...openContexts].map((c) => c.close()));
}
