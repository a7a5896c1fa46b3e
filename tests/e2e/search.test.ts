// Search end to end: two people chat in Chinese, Japanese, Korean and English through a real
// relay; each finds messages from the Search box on any screen (CJK text has no spaces, so this
// is the case a word index gets wrong), opens a result at its message, and sees an empty state
// for a word nobody wrote. Indexing is incremental: the messages are searched as they arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { onboard } from './pages.ts';

describe('search over local history', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;

  beforeAll(async () => {
    relay = await startRelay();
    alice = await openBrowser({ origin: relay.url });
    bob = await openBrowser({ origin: relay.url });
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('finds 北京 in 我们明天在北京见面, ignores unrelated messages and opens the result in context', async () => {
    const a = await onboard(alice.page, relay.url, 'Alice');
    const b = await onboard(bob.page, relay.url, 'Bob');
    expect(await b.addContact(await a.createInvite())).toBeNull();
    await a.nav('Chats').click();
    await a.conversations().getByRole('link', { name: /Bob/ }).waitFor({ timeout: 20_000 });
    await a.openConversation('Bob');

    const history = ['Hi Bob', '我们明天在北京见面', 'see you in Paris', '東京で会いましょう', '서울에서 만나요', '明天见', 'Paris again? 北海道 instead'];
    for (const [i, text] of history.entries()) {
      await (i % 2 === 0 ? a : b).sendMessage(text);
      await a.waitForMessages(history.slice(0, i + 1));
    }
    await b.waitForMessages(history);

    // Both sides index what they verified: their own messages and the other's.
    for (const f of [a, b]) {
      const found = await f.search('北京');
      expect(found).toHaveLength(1);
      expect(found[0]).toContain('我们明天在北京见面');
    }
    expect(await b.search('東京')).toEqual([expect.stringContaining('東京で会いましょう')]);
    expect(await b.search('서울')).toEqual([expect.stringContaining('서울에서 만나요')]);
    expect(await b.search('明天')).toHaveLength(2);
    const paris = await b.search('paris');
    expect(paris).toHaveLength(2);
    expect(paris[0]).toContain('Paris again?'); // newest first
    expect(await b.search('paris see')).toEqual([expect.stringContaining('see you in Paris')]);

    // Nothing found: an empty list and a status saying so.
    expect(await b.search('zebra')).toEqual([]);
    await bob.page.getByRole('status').filter({ hasText: 'No messages match “zebra”' }).waitFor();

    // From another screen: the box is there, and a result opens the conversation at its message.
    await b.nav('Settings').click();
    expect(await b.search('北京见面')).toHaveLength(1);
    await bob.page.getByRole('list', { name: 'Search results' }).getByRole('link').first().click();
    const found = bob.page.getByRole('list', { name: 'Messages' }).locator('li[aria-current="true"]');
    await found.waitFor();
    await expect(found.innerText()).resolves.toContain('我们明天在北京见面');
    expect(bob.page.url()).toMatch(/#\/chats\/[^?]+\?m=/);
    await expect(bob.page.getByRole('list', { name: 'Search results' }).count()).resolves.toBe(0);

    // Keyboard: Ctrl+K focuses the box from anywhere, Enter opens the first result.
    await a.nav('Contacts').click();
    await alice.page.keyboard.press('Control+k');
    await expect(a.searchBox().evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await alice.page.keyboard.type('서울');
    await alice.page.keyboard.press('Enter');
    const current = alice.page.getByRole('list', { name: 'Messages' }).locator('li[aria-current="true"]');
    await current.waitFor();
    await expect(current.innerText()).resolves.toContain('서울에서 만나요');

    // A message that arrives later is indexed as it is verified.
    await b.sendMessage('Let us meet at the Louvre');
    await a.waitForMessages([...history, 'Let us meet at the Louvre']);
    expect(await a.search('louvre')).toEqual([expect.stringContaining('Let us meet at the Louvre')]);
    expect(alice.errors.filter((e) => !/WebSocket|ERR_CONNECTION|net::/.test(e))).toEqual([]);
  });
});
