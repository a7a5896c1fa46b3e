// Conversation features end to end, two people in their own Chromium profiles against a real
// relay: a reply with its quote, an @mention with its markers, a recall (and a recall refused
// after two minutes, with Alice's clock moved forward instead of waiting), and forged messages
// written into the shared doc from Alice's browser that Bob sees flagged, never under a name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountId } from '../../src/core/ids.ts';
import type { SignedMessage } from '../../src/core/message.ts';
import { closeAllBrowsers, openBrowser, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { forgeries, readOwnConversation, storeAsLocalEdit } from './forge.ts';
import { becomeContacts, Floe, until } from './pages.ts';

describe('replies, mentions, recall and forged authors', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;
  let a: Floe;
  let b: Floe;

  beforeAll(async () => {
    relay = await startRelay();
    alice = await openBrowser({ origin: relay.url, userDataDir: tempDir('floe-msg-alice') });
    bob = await openBrowser({ origin: relay.url, userDataDir: tempDir('floe-msg-bob') });
    // Alice's clock is Playwright's (time flows as usual) so the test can move it forward.
    await alice.context.clock.install();
    await alice.page.goto(relay.url);
    await bob.page.goto(relay.url);
    a = new Floe(alice.page);
    b = new Floe(bob.page);
    await a.createAccount('Alice');
    await b.createAccount('Bob');
    await becomeContacts(a, b, 'Bob');
  });

  /**
   * From Alice's browser, writes the four forgeries of forge.ts into the open chat `chat` (one of
   * Alice's messages, `aliceText`, has its signature copied; Bob, who wrote `bobText`, is the one
   * Alice poses as), reloads so the app sends them, and waits until Bob shows all four flagged.
   */
  async function forgeFromAlice(chat: string, aliceText: string, bobText: string, texts: [string, string, string, string]): Promise<void> {
    const room = decodeURIComponent(new URL(alice.page.url()).hash.match(/#\/chats\/([^?]+)/)![1]!);
    const state = await readOwnConversation(alice.page, room);
    const all = state.doc.messages.toArray();
    const genuine = all.find((m) => m.author === state.account && m.text === aliceText) as SignedMessage;
    const bobAccount = all.find((m) => m.text === bobText)!.author as AccountId;
    await storeAsLocalEdit(alice.page, room, await forgeries(state, bobAccount, genuine, texts));
    await alice.page.reload(); // the app loads the stored edit and pushes it to the relay
    await a.openConversation(chat);
    const flagged = b.messages().filter({ hasText: 'Unverified sender' });
    await until(`four flagged messages in ${chat}`, () => flagged.count(), (n) => n === 4, 30_000);
    const shown = (await b.messages().allInnerTexts()).join('\n');
    for (const t of texts) expect(shown).not.toContain(t);
  }

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('Alice replies to Bob and Bob sees the quote, which leads to the original', async () => {
    await b.sendMessage('Lunch at noon?');
    await b.sendMessage('Or later');
    await a.waitForMessages(['Lunch at noon?', 'Or later']);
    await a.startReply('Lunch at noon?');
    // Cancel works and leaves no quote behind; then reply for real.
    await alice.page.getByRole('button', { name: 'Cancel reply' }).click();
    await expect(alice.page.getByRole('group', { name: 'Replying to' }).count()).resolves.toBe(0);
    await a.startReply('Lunch at noon?');
    await a.sendMessage('Yes, see you there');
    await b.waitForMessages(['Lunch at noon?', 'Or later', 'Yes, see you there']);

    const reply = b.messageItem('Yes, see you there');
    const quote = reply.getByRole('button', { name: /^Quote of Bob: Lunch at noon\?/ });
    await quote.click();
    await until('the original to be shown', () => b.messageItem('Lunch at noon?').getAttribute('aria-current'), (v) => v === 'true');
    await expect(alice.page.getByRole('group', { name: 'Replying to' }).count()).resolves.toBe(0);
  });

  it('Bob mentions Alice: her chat list marks it until she reads it, and the message says so', async () => {
    await a.nav('Chats').click(); // the list, with no conversation open: nothing is being read
    await b.mention('Al', 'are you coming?');
    await bob.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await b.waitForMessages(['Lunch at noon?', 'Or later', 'Yes, see you there', '@Alice are you coming?']);
    const entry = a.conversations().getByRole('link', { name: /Bob/ });
    await entry.filter({ hasText: '[@me]' }).waitFor({ timeout: 20_000 });

    await a.openConversation('Bob');
    const mention = a.messageItem('@Alice are you coming?');
    await mention.getByText('Mentioned you').waitFor();
    await expect(mention.locator('mark').innerText()).resolves.toBe('@Alice');
    await a.nav('Chats').click();
    await until('the [@me] marker to go', () => entry.innerText(), (t) => !t.includes('[@me]'));
    // Bob's own message is not "Mentioned you" for him.
    await expect(b.messageItem('@Alice are you coming?').getByText('Mentioned you').count()).resolves.toBe(0);
  });

  it('Alice recalls a message: Bob sees "Alice recalled a message" and search forgets it', async () => {
    await a.openConversation('Bob');
    await a.sendMessage('oops wrong chat');
    await b.waitForMessages(['Lunch at noon?', 'Or later', 'Yes, see you there', '@Alice are you coming?', 'oops wrong chat']);
    expect(await b.search('oops')).toHaveLength(1);
    await b.searchBox().fill('');
    await b.startReply('oops wrong chat');
    await b.sendMessage('wrong chat?');
    await a.waitForMessages(['Lunch at noon?', 'Or later', 'Yes, see you there', '@Alice are you coming?', 'oops wrong chat', 'wrong chat?']);

    expect(await a.recall('oops wrong chat')).toBeNull();
    await a.messageItem('You recalled a message').waitFor();
    await b.messageItem('Alice recalled a message').waitFor({ timeout: 20_000 });
    expect(await b.messageTexts()).not.toContain('oops wrong chat');
    // Bob's reply no longer quotes it.
    await b.messageItem('wrong chat?').getByText('Original message unavailable').waitFor();
    await expect(b.messageItem('wrong chat?').innerText()).resolves.not.toContain('oops');
    expect(await b.search('oops')).toEqual([]);
    expect(await a.search('oops')).toEqual([]);
    await a.searchBox().fill('');
    // And after a reload: still recalled, still not found, the reply still quotes nothing.
    await bob.page.reload();
    await b.openConversation('Alice');
    await b.messageItem('Alice recalled a message').waitFor();
    await b.messageItem('wrong chat?').getByText('Original message unavailable').waitFor();
    expect(await b.search('oops')).toEqual([]);
    await b.searchBox().fill('');
  });

  // Runs before Alice's clock is moved forward: joining a group whose owner's clock is minutes
  // ahead is not what this test is about.
  it('in a group: "@" offers the members, replies quote, and a member posting as another is flagged', async () => {
    await a.createGroup('Climbers');
    expect(await b.joinGroup(await a.inviteToGroup())).toBeNull();
    await b.openConversation('Climbers');
    await b.mention('Ali', 'bring the rope?');
    await bob.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await a.openConversation('Climbers');
    const asked = a.messageItem('@Alice bring the rope?');
    await asked.getByText('Mentioned you').waitFor({ timeout: 20_000 });
    await a.startReply('@Alice bring the rope?');
    await a.sendMessage('yes, two');
    await b.messageItem('yes, two').getByRole('button', { name: /^Quote of Bob: @Alice bring the rope\?/ }).waitFor({ timeout: 20_000 });

    await forgeFromAlice('Climbers', 'yes, two', '@Alice bring the rope?', ['group forged 1', 'group forged 2', 'group: Alice as Bob', 'group forged 4']);
    await expect(b.messageItem('yes, two').count()).resolves.toBe(1);
  });

  it('refuses a recall after two minutes, with a clear message, and Bob keeps the text', async () => {
    await a.openConversation('Bob');
    await b.openConversation('Alice');
    await a.sendMessage('this one stays');
    await b.waitForMessages(['Lunch at noon?', 'Or later', 'Yes, see you there', '@Alice are you coming?', 'wrong chat?', 'this one stays']);
    await alice.context.clock.setSystemTime(Date.now() + 3 * 60_000);
    expect(await a.recall('this one stays')).toMatch(/2 minutes|too late/i);
    await expect(a.messageItem('this one stays').count()).resolves.toBe(1);
    await expect(b.messageItem('this one stays').count()).resolves.toBe(1);
  });

  it('forged messages written from Alice’s browser reach Bob flagged, never under Alice’s or Bob’s name', async () => {
    await forgeFromAlice('Bob', 'Yes, see you there', 'Lunch at noon?', ['forged: stranger key', 'forged: fake certificate', 'forged: Alice as Bob', 'forged: copied signature']);
    // The genuine message whose signature was copied is still shown once, under Alice's name.
    await expect(b.messageItem('Yes, see you there').count()).resolves.toBe(1);
    await expect(b.messageItem('Yes, see you there').innerText()).resolves.toContain('Alice');
    expect((await b.messageTexts()).filter((t) => t === 'This message failed its signature check and is not shown as from anyone.')).toHaveLength(4);
  });
});
