// Presence, typing, read receipts and unread counts between two people, each in their own
// Chromium profile, against a real relay process serving the built app.
//
// The second test reloads both apps with `?webrtc=off` (a flag the app reads at start: its
// conversations then never join WebRTC), so everything it sees arrived through the relay's
// sealed ephemeral frames — the path used when WebRTC cannot connect. The header saying "Not
// connected right now" checks that no peer-to-peer link exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { becomeContacts, Floe, signUp, until } from './pages.ts';

describe('presence, typing and read receipts', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;
  let a: Floe;
  let b: Floe;

  beforeAll(async () => {
    relay = await startRelay();
    ({ browser: alice, app: a } = await signUp(relay, 'Alice', { userDataDir: tempDir('floe-alice') }));
    ({ browser: bob, app: b } = await signUp(relay, 'Bob', { userDataDir: tempDir('floe-bob') }));
    await becomeContacts(a, b, 'Bob');
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('shows status, typing, unread counts and read receipts, and Invisible as Offline', async () => {
    await a.waitForStatus('Bob', 'chats', /^Online/);

    // Bob is Busy, with a message: Alice sees it in the list, the header and Contacts.
    await b.setStatus('Busy', 'in a meeting');
    await a.waitForStatus('Bob', 'chats', /^Busy/);
    await a.waitForStatus('Bob', 'header', /^Busy · in a meeting$/);
    await a.nav('Contacts').click();
    await a.waitForStatus('Bob', 'contacts', /^Busy/);
    await a.openConversation('Bob');

    // Bob types: Alice sees it, and it clears after ~5 s without keys…
    await b.openConversation('Alice');
    await b.typeMessage('hello the');
    await until('typing shown', () => a.typingText(), (t) => t === 'Bob is typing…');
    const typed = Date.now();
    await until('typing cleared on idle', () => a.typingText(), (t) => t === '', 15_000);
    expect(Date.now() - typed).toBeGreaterThan(2_500); // it was the idle timeout, not a glitch
    // …and at once when he sends.
    await b.typeMessage('re');
    await until('typing shown again', () => a.typingText(), (t) => t === 'Bob is typing…');
    await b.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await a.waitForMessages(['hello there']);
    await until('typing cleared on send', () => a.typingText(), (t) => t === '', 3_000);

    // Bob looks elsewhere; Alice writes. Bob's list counts it unread; Alice sees it delivered.
    await b.nav('Contacts').click();
    await a.sendMessage('are you free later?');
    await a.waitForStates(['Delivered']);
    await b.nav('Chats').click();
    await until('unread badge', () => b.unreadOf('Alice'), (t) => t === '1 unread');
    // Bob opens the conversation: the badge goes, and Alice sees Read.
    await b.openConversation('Alice');
    await b.waitForMessages(['hello there', 'are you free later?']);
    await a.waitForStates(['Read']);
    await b.nav('Chats').click();
    await until('badge gone', () => b.unreadOf('Alice'), (t) => t === '');

    // A hidden page reads nothing: Bob's chat is open, but his tab is in the background.
    await b.openConversation('Alice');
    await b.switchAway();
    await a.sendMessage('still there?');
    await a.waitForStates(['Read', 'Delivered']);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await a.myStates()).toEqual(['Read', 'Delivered']);
    await b.comeBack();
    await a.waitForStates(['Read', 'Read']);

    // With "Send read receipts" off, Bob reads without Alice seeing Read.
    await b.setReadReceipts(false);
    await a.sendMessage('second question');
    await a.waitForStates(['Read', 'Read', 'Delivered']);
    await b.openConversation('Alice');
    await b.waitForMessages(['hello there', 'are you free later?', 'still there?', 'second question']);
    await new Promise((r) => setTimeout(r, 3_000)); // time for a receipt to arrive, if one were sent
    expect(await a.myStates()).toEqual(['Read', 'Read', 'Delivered']);

    // Invisible: Bob appears Offline to Alice (with when he was last seen), though still here.
    await b.setStatus('Invisible');
    await a.waitForStatus('Bob', 'chats', /^Offline/);
    await a.waitForStatus('Bob', 'header', /^Offline · last seen /);
    // Nor does his typing show while invisible.
    await b.typeMessage('psst');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await a.typingText()).toBe('');
    await b.page.getByRole('textbox', { name: 'Message' }).fill('');
    await b.setStatus('Online');
    await a.waitForStatus('Bob', 'chats', /^Online/);
    await b.setReadReceipts(true);
  });

  it('in a group: counts who is typing, and says who has read', async () => {
    const { browser: carol, app: c } = await signUp(relay, 'Carol', { userDataDir: tempDir('floe-carol') });
    await a.createGroup('Club');
    const link = await a.inviteToGroup();
    expect(await b.joinGroup(link)).toBeNull();
    expect(await c.joinGroup(await a.inviteToGroup())).toBeNull();
    await b.openConversation('Club');
    await c.openConversation('Club');
    await b.typeMessage('hi all');
    await until('one typing', () => a.typingText(), (t) => t === 'Bob is typing…');
    await c.typeMessage('hello');
    await until('two typing', () => a.typingText(), (t) => t === '2 people are typing…');
    await b.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await c.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await until('nobody typing', () => a.typingText(), (t) => t === '', 5_000);

    // Both have the group open: Alice's message is read by both, with their names.
    await a.sendMessage('meet at 6?');
    await a.waitForStates(['Read by 2']);
    const state = a.page.getByRole('list', { name: 'Messages' }).locator('li.mine .state');
    expect(await state.getAttribute('title')).toMatch(/^Read by (Bob and Carol|Carol and Bob)$/);
    await carol.close();
  });

  it('carries status and typing through the relay when WebRTC is off', async () => {
    await alice.page.goto(`${relay.url}/?webrtc=off#/chats`);
    await bob.page.goto(`${relay.url}/?webrtc=off#/chats`);
    await a.openConversation('Bob');
    await b.openConversation('Alice');
    await a.page.getByText('Not connected right now').waitFor();
    await a.waitForStatus('Bob', 'header', /^Online/);
    await b.setStatus('Away', 'back soon');
    await a.waitForStatus('Bob', 'header', /^Away · back soon$/);
    await b.typeMessage('relay only');
    await until('typing over the relay', () => a.typingText(), (t) => t === 'Bob is typing…');
    await b.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await a.waitForMessages(['hello there', 'are you free later?', 'still there?', 'second question', 'relay only']);
    await until('typing cleared', () => a.typingText(), (t) => t === '', 3_000);
    // Still no peer-to-peer link: all of the above came through the relay.
    expect(await a.page.getByText('Not connected right now').count()).toBe(1);
    // Bob closes his app: his goodbye (sealed in advance) turns him Offline for Alice well before
    // his last beacon would expire (65 s).
    await bob.page.close({ runBeforeUnload: true });
    const closed = Date.now();
    await a.waitForStatus('Bob', 'header', /^Offline · last seen /, 30_000);
    expect(Date.now() - closed).toBeLessThan(30_000);
  });
});
