// The walking skeleton end to end: two people, each in their own persistent Chromium profile,
// against a real relay process serving the built app. They create accounts, exchange an invite
// link, chat both ways peer to peer, and after closing and reopening both browsers still see the
// whole history in HLC order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe, onboard } from './pages.ts';

describe('1:1 chat between two browsers', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;
  const aliceDir = tempDir('floe-alice');
  const bobDir = tempDir('floe-bob');

  beforeAll(async () => {
    relay = await startRelay();
    alice = await openBrowser({ origin: relay.url, userDataDir: aliceDir });
    bob = await openBrowser({ origin: relay.url, userDataDir: bobDir, viewport: { width: 390, height: 800 } });
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('creates accounts, becomes contacts through an invite link and chats both ways', async () => {
    const a = await onboard(alice.page, relay.url, 'Alice');
    const b = await onboard(bob.page, relay.url, 'Bob');

    const link = await a.createInvite();
    expect(link).toMatch(new RegExp(`^${relay.url}/#/invite/[A-Za-z0-9_-]+$`));

    // Bad links are refused with a clear message and change nothing.
    expect(await a.addContact(link)).toMatch(/your own invite/i);
    expect(await b.addContact(link.slice(0, -12))).toMatch(/incomplete or damaged/i);
    expect(await b.addContact('not a link at all')).toMatch(/incomplete or damaged/i);
    await b.nav('Chats').click();
    await expect(b.conversations().getByRole('link').count()).resolves.toBe(0);

    // Bob accepts; the conversation opens on his side at once and on Alice's once she hears his hello.
    expect(await b.addContact(link)).toBeNull();
    await a.nav('Chats').click();
    await a.conversations().getByRole('link', { name: /Bob/ }).waitFor({ timeout: 20_000 });
    await a.openConversation('Bob');

    await a.sendMessage('Hi Bob! 你好');
    await b.waitForMessages(['Hi Bob! 你好']);
    await b.sendMessage('Hi Alice, got it');
    await a.waitForMessages(['Hi Bob! 你好', 'Hi Alice, got it']);
    for (let i = 1; i <= 3; i++) {
      await a.sendMessage(`from alice ${i}`);
      await b.sendMessage(`from bob ${i}`);
      await b.waitForMessages(await a.messageTexts()); // each round settles before the next
    }
    const history = await a.waitForMessages(await b.messageTexts());
    expect(history).toHaveLength(8);

    // Alice's messages show who wrote them and that Bob's device has them.
    const first = a.messages().first();
    await expect(first.innerText()).resolves.toContain('Alice');
    await a.page.getByText(/^(Delivered|Read)$/).first().waitFor(); // Read: Bob has the chat open
    await expect(b.messages().first().innerText()).resolves.toContain('Alice');
    await b.nav('Contacts').click();
    await bob.page.getByRole('list', { name: 'Contact list' }).getByText('Alice').waitFor();

    // A second accept of the same link is refused: they are contacts already.
    expect(await b.addContact(link)).toMatch(/already one of your contacts/i);

    // Close both browsers, reopen the same profiles: the history is still there, in order.
    alice = await alice.reopen();
    bob = await bob.reopen();
    await alice.page.goto(relay.url);
    await bob.page.goto(relay.url);
    const a2 = new Floe(alice.page);
    const b2 = new Floe(bob.page);
    await a2.openConversation('Bob');
    await b2.openConversation('Alice');
    await a2.waitForMessages(history);
    await b2.waitForMessages(history);

    // And they keep chatting after the restart.
    await b2.sendMessage('still here');
    await a2.waitForMessages([...history, 'still here']);
    expect(alice.errors.filter((e) => !/WebSocket|ERR_CONNECTION|net::/.test(e))).toEqual([]);
  });
});
