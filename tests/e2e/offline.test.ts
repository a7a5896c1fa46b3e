// Messages always arrive: sealed store-and-forward through the relay mailbox, and an app that
// works with no network at all. Real relay process (SQLite in its data dir), two persistent
// Chromium profiles. Bob is closed while Alice writes; Alice is closed when Bob reads; then the
// relay itself is stopped while Alice writes, and her message arrives once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe, onboard, until } from './pages.ts';

describe('offline delivery through the relay mailbox', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;

  beforeAll(async () => {
    relay = await startRelay();
    alice = await openBrowser({ origin: relay.url, userDataDir: tempDir('floe-alice') });
    bob = await openBrowser({ origin: relay.url, userDataDir: tempDir('floe-bob') });
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('delivers what Alice wrote while Bob was closed, and what she wrote while the relay was down', async () => {
    let a = await onboard(alice.page, relay.url, 'Alice');
    let b = await onboard(bob.page, relay.url, 'Bob');
    expect(await b.addContact(await a.createInvite())).toBeNull();
    await a.openConversation('Bob');
    await a.page.getByText('Connected directly').or(a.page.getByText('Not connected right now')).waitFor({ timeout: 20_000 });

    // Bob closes his browser; Alice writes three messages, which the relay acknowledges.
    await bob.context.close();
    const three = ['first while you were away', 'second 第二', 'third'];
    for (const text of three) await a.sendMessage(text);
    await a.waitForMessages(three);
    await a.waitForStates(['On the relay', 'On the relay', 'On the relay']);
    alice = await alice.reopen(); // and closes hers

    // Bob opens: everything is there, in order, although Alice is gone.
    bob = await bob.reopen();
    await bob.page.goto(relay.url);
    b = new Floe(bob.page);
    await b.openConversation('Alice');
    await b.waitForMessages(three);

    // Alice comes back and learns from the relay that Bob's device has them, and that he read them.
    await alice.page.goto(relay.url);
    a = new Floe(alice.page);
    await a.openConversation('Bob');
    await a.waitForStates(['Read', 'Read', 'Read']);

    // The relay goes away. Alice's app still opens, with its history, and accepts a message.
    await relay.stop();
    alice = await alice.reopen();
    await alice.page.goto(relay.url);
    a = new Floe(alice.page);
    await a.openConversation('Bob');
    await a.waitForMessages(three);
    expect(await a.relayStatus()).toMatch(/offline|connecting/i);
    await a.sendMessage('written with no relay');
    await a.waitForStates(['Read', 'Read', 'Read', 'Pending']);

    // The relay restarts (same port, same data): the message goes out and reaches Bob.
    relay = await relay.restart();
    await b.waitForMessages([...three, 'written with no relay'], 30_000);
    await a.waitForStates(['Read', 'Read', 'Read', 'Read'], 30_000); // Bob has the chat open
    // The relay connection itself comes back too (with backoff; WebRTC may have delivered first).
    await until('Alice reconnected to the relay', () => a.relayStatus(), (t) => /connected to relay/i.test(t), 20_000);
  });
});
