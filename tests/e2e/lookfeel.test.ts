// Look and feel, end to end in Chromium against a real relay: the emoji picker inserts at the
// caret and the message is sent and received; keyboard shortcuts move between conversations and
// focus Search; the "?" dialog lists the shortcuts and Escape gives focus back, as it does from the
// panels of a conversation and a group (Send coins, Tip, Red packet, Invite to group, Group info),
// while an open emoji picker or an IME composition keeps its own Escape; the Theme setting
// switches the colours and, on System, follows the emulated prefers-color-scheme, and survives a
// reload (it is an account setting).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { closeAllBrowsers, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { PALETTES } from '../../src/app/palette.ts';
import { Floe, signUp, until } from './pages.ts';

const rgb = (hex: string) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};
const LIGHT_BG = rgb(PALETTES.light.bg);
const DARK_BG = rgb(PALETTES.dark.bg);

const focusedName = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.getAttribute('aria-label') ?? (el?.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ?? el?.textContent ?? '';
  });

describe('look and feel', () => {
  let relay: RelayProcess;
  let alice: BrowserHandle;
  let bob: BrowserHandle;
  let a: Floe;
  let b: Floe;

  beforeAll(async () => {
    relay = await startRelay();
    ({ browser: alice, app: a } = await signUp(relay, 'Alice'));
    ({ browser: bob, app: b } = await signUp(relay, 'Bob'));

    // Carol only makes an invite; Alice accepting it gives her a second conversation.
    const { browser: carol, app: c } = await signUp(relay, 'Carol');
    const carolLink = await c.createInvite();
    await carol.close();

    expect(await a.addContact(await b.createInvite())).toBeNull();
    expect(await a.addContact(carolLink)).toBeNull();
    await b.nav('Chats').click();
    await b.conversations().getByRole('link', { name: /Alice/ }).waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('the emoji picker inserts at the caret, by mouse and by keyboard, and the message is sent', async () => {
    await a.openConversation('Bob');
    const box = alice.page.getByRole('textbox', { name: 'Message' });
    await box.fill('Hello world');
    await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(5, 5));
    await a.pickEmoji('party popper');
    await expect(box.inputValue()).resolves.toBe('Hello🎉 world');
    // Focus is back in the box with the caret after the emoji, so typing goes on from there.
    await alice.page.keyboard.type('!');
    await expect(box.inputValue()).resolves.toBe('Hello🎉! world');

    // Keyboard only: Recently used is the first tab and holds the party popper; → moves to the
    // Smileys tab, Tab enters the grid, → and Enter pick its second emoji.
    const dialog = await a.openEmojiPicker();
    await expect(focusedName(alice.page)).resolves.toBe('Search emoji');
    const recent = dialog.getByRole('tab', { name: 'Recently used' });
    await expect(recent.getAttribute('aria-selected')).resolves.toBe('true');
    await expect(dialog.getByRole('tabpanel').getByRole('button').first().getAttribute('aria-label')).resolves.toBe('party popper');
    await alice.page.keyboard.press('Tab');
    await alice.page.keyboard.press('ArrowRight');
    await expect(dialog.getByRole('tab', { name: 'Smileys' }).getAttribute('aria-selected')).resolves.toBe('true');
    await alice.page.keyboard.press('Tab');
    await expect(focusedName(alice.page)).resolves.toBe('grinning face');
    await alice.page.keyboard.press('ArrowRight');
    await alice.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect(box.inputValue()).resolves.toBe('Hello🎉!😃 world');

    // Escape closes the picker and gives focus back to its button; a search with no match says so.
    await a.openEmojiPicker();
    await dialog.getByRole('searchbox', { name: 'Search emoji' }).fill('zzqqxx');
    await dialog.getByText('No emoji match').waitFor();
    await alice.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(focusedName(alice.page)).resolves.toBe('Emoji');

    await box.press('Enter');
    await a.waitForMessages(['Hello🎉!😃 world']);
    await b.openConversation('Alice');
    await b.waitForMessages(['Hello🎉!😃 world']);
  });

  it('Alt+↓ / Alt+↑ move between conversations, Ctrl+K focuses Search, ? lists the shortcuts', async () => {
    await a.openConversation('Bob'); // Bob's chat has the newest message, so it is listed first
    await expect(a.conversations().getByRole('link').allInnerTexts()).resolves.toEqual([expect.stringMatching(/^Bob/), expect.stringMatching(/^Carol/)]);
    const box = alice.page.getByRole('textbox', { name: 'Message' });
    await box.focus();
    await alice.page.keyboard.press('Alt+ArrowDown');
    await until('Carol open', () => a.conversationTitle(), (t) => t === 'Carol');
    // The conversation view was replaced; the focus moved into the new Message box.
    await until('focus in the Message box', () => focusedName(alice.page), (n) => n === 'Message');
    await alice.page.keyboard.press('Alt+ArrowDown'); // the last one: stays
    await alice.page.keyboard.press('Alt+ArrowUp');
    await until('Bob open', () => a.conversationTitle(), (t) => t === 'Bob');

    await alice.page.keyboard.press('Control+k');
    await expect(a.searchBox().evaluate((el) => el === document.activeElement)).resolves.toBe(true);

    // "?" outside a text field opens the list of shortcuts; typed in the Message box it is text.
    await box.fill('');
    await box.press('Shift+?');
    await expect(box.inputValue()).resolves.toBe('?');
    await a.nav('Chats').focus();
    await alice.page.keyboard.press('Shift+?');
    const help = alice.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await expect(help.innerText()).resolves.toMatch(/Next conversation[\s\S]*Search messages/);
    await alice.page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    await expect(focusedName(alice.page)).resolves.toBe('Chats');
  });

  it('an opened panel takes the focus, Escape closes it and gives the focus back, and lost focus finds the heading', async () => {
    await a.nav('Contacts').click();
    await alice.page.getByRole('button', { name: 'Add contact' }).click();
    await until('focus in the link box', () => focusedName(alice.page), (n) => n === 'Invite link');
    await alice.page.keyboard.press('Escape');
    await alice.page.getByRole('textbox', { name: 'Invite link' }).waitFor({ state: 'detached' });
    await expect(focusedName(alice.page)).resolves.toBe('Add contact');
    await expect(alice.page.getByRole('button', { name: 'Add contact' }).getAttribute('aria-expanded')).resolves.toBe('false');

    await a.nav('Chats').click();
    await alice.page.getByRole('button', { name: 'New group' }).click();
    await until('focus in Group name', () => focusedName(alice.page), (n) => n === 'Group name');
    await alice.page.keyboard.press('Escape');
    await alice.page.getByRole('textbox', { name: 'Group name' }).waitFor({ state: 'detached' });
    await expect(focusedName(alice.page)).resolves.toBe('New group');

    // On a phone the list hides when a conversation opens: the focus goes to its heading.
    await bob.page.setViewportSize({ width: 390, height: 800 });
    await b.nav('Chats').click();
    await b.conversations().getByRole('link', { name: /Alice/ }).click();
    await until('focus on the conversation heading', () => bob.page.evaluate(() => document.activeElement?.id ?? ''), (id) => id === 'conversation-title');
    await expect(b.conversationTitle()).resolves.toBe('Alice');
  });

  it('Escape closes Send coins, Tip, Red packet, Invite to group and Group info (also from their button) and gives the focus back to it; the emoji picker and an IME composition keep theirs', async () => {
    const page = alice.page;
    await b.openConversation('Alice');
    await b.sendMessage('Tip me');
    await a.openConversation('Bob');
    const tip = page.getByRole('button', { name: 'Tip Bob for this message' });
    await tip.waitFor({ timeout: 20_000 });
    const payButton = page.getByRole('button', { name: 'Pay', exact: true });

    /** Escape where the focus is: `panel` goes and `opener` has the focus again. */
    const escapeBackTo = async (panel: Locator, opener: string) => {
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached' });
      await until(`focus back on ${opener}`, () => focusedName(page), (n) => n === opener);
    };

    const sendCoins = page.getByRole('button', { name: 'Send coins' });
    await sendCoins.click();
    await until('focus in Amount', () => focusedName(page), (n) => n === 'Amount');
    // An Escape that ends an IME composition belongs to the IME: not handled, the panel stays.
    const handled = await page.evaluate(() => !document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', isComposing: true, bubbles: true, cancelable: true })));
    expect(handled).toBe(false);
    // The emoji picker opened over the Message box: Escape closes the picker only; the pay panel
    // and the conversation stay.
    const picker = await a.openEmojiPicker();
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    await expect(focusedName(page)).resolves.toBe('Emoji');
    await expect(payButton.isVisible()).resolves.toBe(true);
    await expect(a.conversationTitle()).resolves.toBe('Bob');
    await page.getByRole('textbox', { name: 'Amount' }).focus();
    await escapeBackTo(payButton, 'Send coins');
    await expect(sendCoins.getAttribute('aria-expanded')).resolves.toBe('false');
    // Back on its button (as after Shift+Tab), Escape closes the open panel and the focus stays.
    await sendCoins.click();
    await until('focus in Amount', () => focusedName(page), (n) => n === 'Amount');
    await sendCoins.focus();
    await escapeBackTo(payButton, 'Send coins');
    await expect(sendCoins.getAttribute('aria-expanded')).resolves.toBe('false');

    // A tip opens the same panel from the message: the focus goes back to that message's Tip.
    await tip.click();
    await until('focus in Amount', () => focusedName(page), (n) => n === 'Amount');
    await escapeBackTo(payButton, 'Tip Bob for this message');

    await page.getByRole('button', { name: 'Red packet', exact: true }).click();
    await until('focus in the red packet Amount', () => focusedName(page), (n) => n === 'Amount');
    await escapeBackTo(page.getByRole('form', { name: 'Red packet' }), 'Red packet');

    await a.createGroup('Escape club');
    await page.getByRole('button', { name: 'Invite to group' }).click();
    const invite = page.getByRole('region', { name: 'Invite to group' });
    const link = invite.getByRole('textbox', { name: 'Invite link' });
    await until('focus in the invite link', () => focusedName(page), (n) => n === 'Invite link');
    // The box took the focus while the link was being made; the link is selected once it shows.
    await until('the link selected', () => link.evaluate((el: HTMLInputElement) => el.value.length > 0 && el.selectionEnd! - el.selectionStart! === el.value.length), (ok) => ok);
    await escapeBackTo(invite, 'Invite to group');

    await page.getByRole('button', { name: 'Group info' }).click();
    const info = page.getByRole('region', { name: 'Group info' });
    await until('focus in Group info', () => info.evaluate((el) => el.contains(document.activeElement)), (inside) => inside);
    await escapeBackTo(info, 'Group info');
    await page.getByRole('button', { name: 'Group info' }).click();
    await info.waitFor();
    await page.getByRole('button', { name: 'Group info' }).focus();
    await escapeBackTo(info, 'Group info');
    await expect(a.conversationTitle()).resolves.toBe('Escape club');
  });

  it('Theme switches the colours, follows the system on System, and is kept after a reload', async () => {
    const page = alice.page;
    await page.emulateMedia({ colorScheme: 'light' });
    await a.setTheme('Dark');
    await until('dark background', () => a.pageBackground(), (c) => c === DARK_BG);
    await a.setTheme('Light');
    await until('light background', () => a.pageBackground(), (c) => c === LIGHT_BG);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(a.pageBackground()).resolves.toBe(LIGHT_BG); // an explicit choice wins

    await a.setTheme('System');
    await until('dark from the system', () => a.pageBackground(), (c) => c === DARK_BG);
    await page.emulateMedia({ colorScheme: 'light' });
    await until('light from the system', () => a.pageBackground(), (c) => c === LIGHT_BG);

    await a.setTheme('Dark');
    await page.reload();
    await a.nav('Settings').waitFor();
    await expect(a.pageBackground()).resolves.toBe(DARK_BG);
    await expect(page.getByRole('combobox', { name: 'Theme' }).inputValue()).resolves.toBe('dark');
    expect(alice.errors.filter((e) => !/WebSocket|ERR_CONNECTION|net::/.test(e))).toEqual([]);
  });
});
