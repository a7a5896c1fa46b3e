// Accessibility: axe-core runs on every screen of the real app (Chromium, real relay), in the
// light and the dark colour scheme, and the test fails on any serious or critical violation,
// listing them all (tests/e2e/axe.ts prints rule, element and how to fix it).
//
// Screens: onboarding; the Chats list; a conversation with messages (two accounts connected by an
// invite, as in chat.test.ts); Contacts with the invite panel open; Add contact; Wallet; Settings
// with the devices section and a link code shown; Search results; the emoji picker; the keyboard
// shortcuts dialog; and, on a phone-sized window, the conversation and the navigation bar. Then
// the screens of the features built alongside: the Status menu, New group, Invite to group, Group
// info, a group chat with a reply being written and the mention suggestions open, the Red packet
// form and a red packet card, an unread badge, and Settings and a conversation in Chinese.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { axeBothSchemes, axeViolations } from './axe.ts';
import { Floe, until } from './pages.ts';

describe('accessibility (axe-core) of every screen, light and dark', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;

  beforeAll(async () => {
    relay = await startRelay();
    alice = await openBrowser({ origin: relay.url });
    bob = await openBrowser({ origin: relay.url, viewport: { width: 390, height: 800 } });
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  const found: string[] = [];
  const check = async (floe: Floe, screen: string) => found.push(...(await axeBothSchemes(floe.page, screen)));
  const report = () => `axe found ${found.length} serious or critical violation(s):\n\n${found.join('\n\n')}\n`;

  it('has no serious or critical violations', async () => {
    const a = new Floe(alice.page);
    const b = new Floe(bob.page);

    await alice.page.goto(relay.url);
    await bob.page.goto(relay.url);
    await alice.page.getByRole('textbox', { name: 'Nickname' }).waitFor();
    await alice.page.getByRole('button', { name: 'I already have an account' }).click();
    await alice.page.getByRole('button', { name: 'Restore from backup' }).click();
    await check(a, 'Onboarding, link and restore open');

    await a.createAccount('Alice');
    await b.createAccount('Bob');
    await check(a, 'Chats, empty');

    const link = await a.createInvite();
    await check(a, 'Contacts, invite open');

    await b.nav('Contacts').click();
    await bob.page.getByRole('button', { name: 'Add contact' }).click();
    await bob.page.getByRole('textbox', { name: 'Invite link' }).fill('not a link');
    await bob.page.getByRole('button', { name: 'Add', exact: true }).click();
    await bob.page.getByRole('alert').waitFor();
    await check(b, 'Add contact, with an error');
    // The refusal puts the focus back on the link; Escape there closes the panel and its alert.
    await until('focus back on the link', () => bob.page.evaluate(() => document.activeElement?.id ?? ''), (id) => id === 'paste-link');
    await bob.page.keyboard.press('Escape');
    await bob.page.getByRole('alert').waitFor({ state: 'detached' });
    expect(await b.addContact(link)).toBeNull();

    await a.nav('Chats').click();
    await a.conversations().getByRole('link', { name: /Bob/ }).waitFor({ timeout: 20_000 });
    await a.openConversation('Bob');
    await a.sendMessage('Hello Bob');
    await b.waitForMessages(['Hello Bob']);
    await b.sendMessage('Hi Alice 你好');
    await a.waitForMessages(['Hello Bob', 'Hi Alice 你好']);
    await check(a, 'Conversation');
    await check(b, 'Conversation, phone');

    await a.openEmojiPicker();
    await check(a, 'Emoji picker');
    await alice.page.keyboard.press('Escape');

    await bob.page.getByRole('button', { name: 'Send coins' }).click();
    await check(b, 'Send coins, phone');

    await a.search('Alice');
    // The count is announced to screen readers (the list itself does not say it changed).
    await alice.page.getByRole('search').getByRole('status').filter({ hasText: '1 message found' }).waitFor();
    await check(a, 'Search results');
    await alice.page.keyboard.press('Escape');

    await a.nav('Wallet').click();
    await alice.page.getByRole('region', { name: 'Wallet' }).getByText('Balance').waitFor();
    await check(a, 'Wallet');

    await a.showLinkCode();
    await alice.page.getByRole('list', { name: 'Devices' }).waitFor();
    await check(a, 'Settings, devices and link code');

    await a.nav('Chats').focus();
    await alice.page.keyboard.press('Shift+?');
    await alice.page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await check(a, 'Keyboard shortcuts dialog');
    await alice.page.keyboard.press('Escape');

    expect(found.length, report()).toBe(0);
  });

  it('has none on the group, status, mention, reply and red packet screens either', async () => {
    found.length = 0;
    const a = new Floe(alice.page);
    const b = new Floe(bob.page);

    const status = alice.page.getByRole('button', { name: /^Status\b/ });
    await status.click();
    await alice.page.getByRole('radio', { name: 'Busy' }).waitFor();
    await check(a, 'Status menu');
    await status.click();

    await a.nav('Chats').click();
    await alice.page.getByRole('button', { name: 'New group' }).click();
    await alice.page.getByRole('textbox', { name: 'Group name' }).waitFor();
    await check(a, 'New group');
    await alice.page.getByRole('textbox', { name: 'Group name' }).fill('Club');
    await alice.page.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('button', { name: 'Group info' }).waitFor();
    const link = await a.inviteToGroup();
    await check(a, 'Invite to group');
    expect(await b.joinGroup(link)).toBeNull();
    await until('Bob in Group info', () => a.groupMembers(), (m) => m.some((x) => x.includes('Bob')), 30_000);
    await check(a, 'Group info');

    await b.sendMessage('hello club');
    await a.messageItem('hello club').waitFor({ timeout: 20_000 });
    await a.startReply('hello club');
    await alice.page.getByRole('textbox', { name: 'Message' }).pressSequentially('@Bo');
    await alice.page.getByRole('listbox', { name: 'Mention suggestions' }).getByRole('option').first().waitFor();
    await check(a, 'Group chat, replying, mention suggestions');
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('');

    await a.nav('Wallet').click();
    const aliceId = await alice.page.getByRole('textbox', { name: 'Account ID' }).inputValue();
    const mint = spawnSync(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'mint', '--data', relay.dataDir, '--to', aliceId, '--amount', '100'], { encoding: 'utf8' });
    expect(mint.status, mint.stderr).toBe(0);
    await a.openConversation('Club');
    await alice.page.getByRole('button', { name: 'Red packet', exact: true }).click();
    await alice.page.getByRole('form', { name: 'Red packet' }).waitFor();
    await check(a, 'Red packet form');
    await until('the packet is sent', () => a.sendRedPacket(10, 2, 'Equal', 'for the club'), (r) => /sent/.test(r), 30_000);
    await b.redPacket('for the club').getByRole('button', { name: 'Open' }).waitFor({ timeout: 20_000 });
    await check(b, 'Red packet card, phone');
    await a.nav('Wallet').click();
    await alice.page.getByRole('list', { name: 'Transactions' }).getByRole('listitem').first().waitFor();
    await check(a, 'Wallet with transactions');

    await a.nav('Chats').click();
    await a.conversations().getByRole('link', { name: /^Bob/ }).click();
    await a.sendMessage('unread for Bob');
    await b.nav('Chats').click();
    await until('an unread badge', () => b.unreadOf('Alice'), (u) => u !== '', 20_000);
    await check(b, 'Chats with an unread badge, phone');

    // Another language: names, lang attribute and layout still pass (Chinese, the longest-tested).
    await a.nav('Settings').click();
    await a.chooseLanguage('中文');
    await alice.page.locator('html[lang="zh-CN"]').waitFor();
    await check(a, 'Settings in 中文');
    await alice.page.getByRole('navigation').getByRole('link').first().click(); // 聊天 (Chats)
    await alice.page.locator('main a[href^="#/chats/"]').first().click(); // the Conversations list is named in Chinese now
    await alice.page.getByRole('list').filter({ has: alice.page.locator('li[data-id]') }).first().waitFor();
    await check(a, 'A conversation in 中文');

    expect(found.length, report()).toBe(0);
  });

  it('would catch poor contrast: a washed-out --muted is reported, and the theme restores it', async () => {
    const page = alice.page;
    await page.evaluate(() => document.documentElement.style.setProperty('--muted', '#c8c8c8'));
    const washedOut = await axeViolations(page, 'washed out');
    expect(washedOut.some((v) => v.includes('color-contrast'))).toBe(true);
    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme }); // the theme writes its palette again
      await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
    }
    expect((await axeViolations(page, 'restored')).filter((v) => v.includes('color-contrast'))).toEqual([]);
  });
});
