// Group members whose clocks disagree by minutes (well within core/hlc.ts's drift bound) still see
// each other's messages under their names, in both directions: the owner's clock ahead of the
// joiner's, and the joiner's ahead of the owner's. Playwright's clock moves one page's time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { becomeContacts, Floe } from './pages.ts';

const AHEAD_MS = 3 * 60_000;

describe('group chat with clocks minutes apart', () => {
  let relay: RelayProcess;
  const open = async (): Promise<[BrowserHandle, Floe]> => {
    const b = await openBrowser({ origin: relay.url });
    // Playwright's clock (time flows as usual) so the test can move it forward mid-session.
    await b.context.clock.install();
    await b.page.goto(relay.url);
    return [b, new Floe(b.page)];
  };

  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  for (const who of ['owner', 'joiner'] as const) {
    it(`the ${who}'s clock 3 minutes ahead: both see both messages verified`, async () => {
      const [alice, a] = await open();
      const [bob, b] = await open();
      await a.createAccount('Alice');
      await b.createAccount('Bob');
      // Contacts who have chatted while their clocks agreed; then one clock jumps ahead.
      await becomeContacts(a, b, 'Bob');
      await a.sendMessage('before the jump');
      await b.openConversation('Alice');
      await b.waitForMessages(['before the jump']);
      await (who === 'owner' ? alice : bob).context.clock.setSystemTime(Date.now() + AHEAD_MS);
      await a.createGroup(`Skew ${who}`);
      expect(await b.joinGroup(await a.inviteToGroup())).toBeNull();
      await b.openConversation(`Skew ${who}`);
      await b.sendMessage('hello from Bob');
      await a.openConversation(`Skew ${who}`);
      await a.sendMessage('hello from Alice');
      for (const p of [a, b]) {
        await p.waitForMessages(['hello from Bob', 'hello from Alice'], 30_000);
        await expect(p.messageItem('hello from Bob').innerText()).resolves.toContain('Bob');
        await expect(p.messageItem('hello from Alice').innerText()).resolves.toContain('Alice');
        await expect(p.page.getByText('Unverified sender').count()).resolves.toBe(0);
      }
    });
  }
});
