// The stage of the browser benchmarks that compare the app with a bare baseline between two
// people: a real relay process, the baseline pages (bench/baseline/, built by build-pages.ts)
// and two Chromium profiles, Alice and Bob. Everything is closed afterwards, whatever happens.
import { openBrowser, tempDir, type BrowserHandle, type OpenBrowserOptions } from '../../tests/support/browser.ts';
import { startRelay, type RelayProcess } from '../../tests/support/relay-process.ts';
import { becomeContacts, onboard, type Floe } from '../../tests/e2e/pages.ts';
import { OUT_DIR } from './build-pages.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

export interface TwoBrowsers {
  relay: RelayProcess;
  /** The baseline pages. */
  pages: StaticServer;
  alice: BrowserHandle;
  bob: BrowserHandle;
}

export async function withTwoBrowsers<T>(bobViewport: OpenBrowserOptions['viewport'], run: (stage: TwoBrowsers) => Promise<T>): Promise<T> {
  let relay: RelayProcess | null = null;
  let pages: StaticServer | null = null;
  const browsers: BrowserHandle[] = [];
  try {
    relay = await startRelay();
    pages = await serveStatic(OUT_DIR);
    const alice = await openBrowser({ origin: relay.url, userDataDir: tempDir('floe-bench-alice') });
    browsers.push(alice);
    const bob = await openBrowser({ origin: relay.url, userDataDir: tempDir('floe-bench-bob'), ...(bobViewport ? { viewport: bobViewport } : {}) });
    browsers.push(bob);
    return await run({ relay, pages, alice, bob });
  } finally {
    for (const b of browsers.reverse()) await b.close().catch(() => undefined);
    await pages?.close();
    await relay?.stop();
  }
}

/** What the pages complained about during the run, without the expected connection noise. */
export const pageErrors = ({ alice, bob }: TwoBrowsers): string[] => [...alice.errors, ...bob.errors].filter((e) => !/WebSocket|ERR_CONNECTION|net::/.test(e));

/** Onboarding as in tests/e2e/chat.test.ts: both accounts, Bob adds Alice's invite, Alice opens the chat. */
export async function aliceAndBobAsContacts({ relay, alice, bob }: TwoBrowsers): Promise<{ a: Floe; b: Floe }> {
  const a = await onboard(alice.page, relay.url, 'Alice');
  const b = await onboard(bob.page, relay.url, 'Bob');
  await becomeContacts(a, b, 'Bob');
  return { a, b };
}
