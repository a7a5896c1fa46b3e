// Notifications end to end: two people in their own Chromium profiles against a real relay. Bob
// turns notifications on in Settings (tests/support/browser.ts grants the permission, as a click
// on the browser's prompt would), switches away from Floe (see Floe.switchAway for how the page is
// made hidden in headless Chromium), and Alice's message appears among the notifications of Bob's
// service worker registration. Once Bob mutes the chat, nothing more is shown for it. Headless
// Chromium has no push service, so Web Push setup fails here and Settings must say so plainly
// while in-app notifications keep working; a push delivered to the service worker through CDP
// shows the content-free notice (the relay side of push: tests/relay/push.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { becomeContacts, onboard, until } from './pages.ts';

describe('notifications', () => {
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

  it('shows a message as a notification while Floe is hidden, and none once the chat is muted', async () => {
    const a = await onboard(alice.page, relay.url, 'Alice');
    const b = await onboard(bob.page, relay.url, 'Bob');
    await becomeContacts(a, b, 'Bob');

    expect(await b.enableNotifications()).toContain('shown while Floe is in the background');
    // No push service in headless Chromium: said in a sentence, nothing else breaks.
    const pushNote = bob.page.getByText(/not after it is closed/);
    await pushNote.waitFor({ timeout: 20_000 });

    // While Bob looks at Floe, a message is not a notification.
    await b.openConversation('Alice');
    await a.sendMessage('are you looking?');
    await b.waitForMessages(['are you looking?']);
    expect(await b.shownNotifications()).toEqual([]);

    await b.switchAway();
    await a.sendMessage('Dinner at 8?');
    const shown = await until('a notification for Dinner at 8?', () => b.shownNotifications(), (n) => n.some((x) => x.body === 'Dinner at 8?'));
    expect(shown).toContainEqual({ title: 'Alice', body: 'Dinner at 8?' });

    await b.comeBack();
    expect(await b.toggleMute()).toBe('Unmute notifications');
    await b.switchAway();
    await a.sendMessage('still there?');
    await b.waitForMessages(['are you looking?', 'Dinner at 8?', 'still there?']);
    // The message is on Bob's screen; give a notification the time it would take, then look.
    await bob.page.waitForTimeout(1000);
    expect((await b.shownNotifications()).map((n) => n.body)).not.toContain('still there?');

    // Unmuted again, it notifies again: the mute, not a broken pipeline, kept it quiet.
    await b.comeBack();
    expect(await b.toggleMute()).toBe('Mute notifications');
    await b.switchAway();
    await a.sendMessage('last one');
    await until('a notification for last one', () => b.shownNotifications(), (n) => n.some((x) => x.body === 'last one'));

    // A Web Push from the relay (content-free) shows the service worker's "New message".
    await b.receivePush('{"v":1,"t":"new"}');
    const pushed = await until('the push notification', () => b.shownNotifications(), (n) => n.some((x) => x.title === 'New message'));
    expect(pushed).toContainEqual({ title: 'New message', body: 'Floe: you have new messages' });
    expect(bob.errors.filter((e) => !/push/i.test(e))).toEqual([]);
  });
});
