// Page models: locators by role and accessible name (the UI contract in ARCHITECTURE.md) and
// methods named after what a person does.
import type { Locator, Page } from 'playwright-core';
import { openBrowser, type BrowserHandle, type OpenBrowserOptions } from '../support/browser.ts';

export async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/**
 * Two people become contacts through an invite link: `invitee` accepts `inviter`'s link, and
 * `inviter` then has the new conversation open.
 */
export async function becomeContacts(inviter: Floe, invitee: Floe, inviteeName: string): Promise<void> {
  const refused = await invitee.addContact(await inviter.createInvite());
  if (refused !== null) throw new Error(`the invite was refused: ${refused}`);
  await inviter.nav('Chats').click();
  await inviter.conversations().getByRole('link', { name: new RegExp(inviteeName) }).waitFor({ timeout: 20_000 });
  await inviter.openConversation(inviteeName);
}

export class Floe {
  constructor(readonly page: Page) {}

  nav(name: 'Chats' | 'Contacts' | 'Wallet' | 'Settings'): Locator {
    return this.page.getByRole('navigation').getByRole('link', { name, exact: true });
  }

  /** The nav links' names in order, in whatever language the app shows. */
  async navNames(): Promise<string[]> {
    return (await this.page.getByRole('navigation').getByRole('link').allInnerTexts()).map((s) => s.trim());
  }

  /** The Language combobox (Settings, or onboarding); `label` is its name in the language shown now. */
  languageBox(label = 'Language'): Locator {
    return this.page.getByRole('combobox', { name: label, exact: true });
  }

  /** The languages the combobox offers, once it is shown. */
  async languageNames(label = 'Language'): Promise<string[]> {
    await this.languageBox(label).waitFor();
    return (await this.languageBox(label).locator('option').allInnerTexts()).map((s) => s.trim());
  }

  /** Picks a language by its own name, e.g. '中文'. */
  async chooseLanguage(name: string, label = 'Language'): Promise<void> {
    await this.languageBox(label).selectOption({ label: name });
  }

  async createAccount(nickname: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Nickname' }).fill(nickname);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await this.nav('Chats').waitFor();
  }

  async createInvite(): Promise<string> {
    await this.nav('Contacts').click();
    await this.page.getByRole('button', { name: 'Invite a contact' }).click();
    const box = this.page.getByRole('textbox', { name: 'Invite link' });
    await this.page.getByRole('img', { name: 'Invite QR code' }).waitFor();
    return box.inputValue();
  }

  /** Pastes a link into Add contact; returns the alert text when it is refused, else null. */
  async addContact(link: string): Promise<string | null> {
    await this.nav('Contacts').click();
    const add = this.page.getByRole('button', { name: 'Add contact' });
    if ((await add.getAttribute('aria-expanded')) !== 'true') await add.click();
    await this.page.getByRole('textbox', { name: 'Invite link' }).fill(link);
    await this.page.getByRole('button', { name: 'Add', exact: true }).click();
    const alert = this.page.getByRole('alert');
    const conversation = this.page.getByRole('list', { name: 'Messages' });
    await alert.or(conversation).first().waitFor();
    return (await alert.count()) > 0 ? alert.innerText() : null;
  }

  /** Existing device: Settings → Link a device; returns the code shown. */
  async showLinkCode(): Promise<string> {
    await this.nav('Settings').click();
    await this.page.getByRole('button', { name: 'Link a device' }).click();
    const box = this.page.getByRole('textbox', { name: 'Link code' });
    await box.waitFor();
    return box.inputValue();
  }

  /** New device: I already have an account → Link code → Link. Returns the SAS shown, or the alert. */
  async enterLinkCode(code: string): Promise<{ sas: string | null; alert: string | null }> {
    const toggle = this.page.getByRole('button', { name: 'I already have an account' });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await this.page.getByRole('textbox', { name: 'Link code' }).fill(code);
    await this.page.getByRole('button', { name: 'Link', exact: true }).click();
    const alert = this.page.getByRole('alert');
    const sas = this.page.getByRole('status').filter({ hasText: 'shows' });
    await alert.or(sas).first().waitFor({ timeout: 20_000 });
    if ((await alert.count()) > 0) return { sas: null, alert: await alert.innerText() };
    return { sas: (await sas.locator('strong').last().innerText()).trim(), alert: null };
  }

  conversations(): Locator {
    return this.page.getByRole('list', { name: 'Conversations' });
  }

  async openConversation(name: string): Promise<void> {
    await this.nav('Chats').click();
    await this.conversations().getByRole('link', { name: new RegExp(name) }).click();
    await this.page.getByRole('list', { name: 'Messages' }).waitFor();
  }

  messages(): Locator {
    return this.page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
  }

  async sendMessage(text: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Message' }).fill(text);
    await this.page.getByRole('textbox', { name: 'Message' }).press('Enter');
  }

  /** The texts of the Messages list, in display order. */
  async messageTexts(): Promise<string[]> {
    return this.page
      .getByRole('list', { name: 'Messages' })
      .locator('li .text')
      .allInnerTexts();
  }

  /** The delivery state shown under each of my messages, in display order. */
  async myStates(): Promise<string[]> {
    return this.page.getByRole('list', { name: 'Messages' }).locator('li.mine .state').allInnerTexts();
  }

  async waitForStates(expected: string[], timeoutMs = 20_000): Promise<string[]> {
    return until(`states ${JSON.stringify(expected)}`, () => this.myStates(), (t) => JSON.stringify(t) === JSON.stringify(expected), timeoutMs);
  }

  searchBox(): Locator {
    return this.page.getByRole('textbox', { name: 'Search' });
  }

  /** Types a query into Search and waits for its answer; returns each result's text. */
  async search(query: string): Promise<string[]> {
    await this.searchBox().fill(query);
    const list = this.page.getByRole('list', { name: 'Search results' });
    await list.and(this.page.locator('[aria-busy="false"]')).waitFor();
    return list.getByRole('link').allInnerTexts();
  }

  /** The relay connection indicator's text. */
  relayStatus(): Promise<string> {
    return this.page.getByRole('navigation').getByRole('status').innerText();
  }

  /** Chats → New group → name → Create group; the new group's conversation opens. */
  async createGroup(name: string): Promise<void> {
    await this.nav('Chats').click();
    await this.page.getByRole('button', { name: 'New group' }).click();
    await this.page.getByRole('textbox', { name: 'Group name' }).fill(name);
    await this.page.getByRole('button', { name: 'Create group' }).click();
    await this.page.getByRole('list', { name: 'Messages' }).waitFor();
    await this.page.getByRole('button', { name: 'Group info' }).waitFor();
  }

  /** In the open group: Invite to group; returns the link shown (once its QR code is drawn). */
  async inviteToGroup(): Promise<string> {
    const button = this.page.getByRole('button', { name: 'Invite to group' });
    if ((await button.getAttribute('aria-expanded')) === 'true') await button.click(); // close, so a fresh link is made
    await button.click();
    await this.page.getByRole('img', { name: 'Invite QR code' }).waitFor();
    const box = this.page.getByRole('region', { name: 'Invite to group' }).getByRole('textbox', { name: 'Invite link' });
    await until('the invite link', () => box.inputValue(), (v) => v.length > 0);
    return box.inputValue();
  }

  /** Pastes a group invite link into Add contact; returns the refusal shown, else null. */
  async joinGroup(link: string, timeoutMs = 30_000): Promise<string | null> {
    await this.nav('Contacts').click();
    const add = this.page.getByRole('button', { name: 'Add contact' });
    if ((await add.getAttribute('aria-expanded')) !== 'true') await add.click();
    await this.page.getByRole('textbox', { name: 'Invite link' }).fill(link);
    const submit = this.page.getByRole('button', { name: 'Add', exact: true });
    await submit.click();
    // Done when the group opens, or when Add is usable again (it is disabled while the link is
    // checked, and the refusal, if any, is shown at that moment): an earlier refusal still on the
    // screen must not be read as this one's.
    const group = this.page.getByRole('button', { name: 'Group info' });
    await submit.and(this.page.locator(':enabled')).or(group).first().waitFor({ timeout: timeoutMs });
    // The Add box's own refusal, not a background notice elsewhere on the screen.
    const alert = this.page.getByRole('region', { name: 'Contacts' }).getByRole('alert');
    return (await alert.count()) > 0 ? alert.innerText() : null;
  }

  /** Opens the Group info panel of the open group (idempotent). */
  async openGroupInfo(): Promise<Locator> {
    const button = this.page.getByRole('button', { name: 'Group info' });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    const panel = this.page.getByRole('region', { name: 'Group info' });
    await panel.waitFor();
    return panel;
  }

  /** Member names (with their role words) in Group info, in list order. */
  async groupMembers(): Promise<string[]> {
    const panel = await this.openGroupInfo();
    return panel.getByRole('list', { name: 'Group members' }).getByRole('listitem').allInnerTexts();
  }

  async removeFromGroup(name: string): Promise<void> {
    const panel = await this.openGroupInfo();
    await panel.getByRole('button', { name: `Remove ${name}`, exact: true }).click();
  }

  async makeAdmin(name: string): Promise<void> {
    const panel = await this.openGroupInfo();
    // Named "Make admin: Bob": the name starts with the words the button shows (WCAG 2.5.3).
    await panel.getByRole('button', { name: `Make admin: ${name}`, exact: true }).click();
  }

  async renameGroup(name: string): Promise<void> {
    const panel = await this.openGroupInfo();
    await panel.getByRole('textbox', { name: 'Group name' }).fill(name);
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
  }

  async leaveGroup(): Promise<void> {
    const panel = await this.openGroupInfo();
    await panel.getByRole('button', { name: 'Leave group' }).click();
  }

  /** Opens the emoji picker beside the Message box; returns the dialog. */
  async openEmojiPicker(): Promise<Locator> {
    const dialog = this.page.getByRole('dialog', { name: 'Emoji' });
    if (!(await dialog.isVisible())) await this.page.getByRole('button', { name: 'Emoji', exact: true }).click();
    await dialog.waitFor();
    return dialog;
  }

  /** Emoji picker → search → the emoji button with that name. */
  async pickEmoji(name: string): Promise<void> {
    const dialog = await this.openEmojiPicker();
    await dialog.getByRole('searchbox', { name: 'Search emoji' }).fill(name);
    await dialog.getByRole('button', { name, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** The title of the open conversation. */
  conversationTitle(): Promise<string> {
    return this.page.locator('#conversation-title').innerText();
  }

  /** Settings → Theme. */
  async setTheme(choice: 'System' | 'Light' | 'Dark'): Promise<void> {
    await this.nav('Settings').click();
    await this.page.getByRole('combobox', { name: 'Theme' }).selectOption({ label: choice });
  }

  /** The page's computed background colour, e.g. "rgb(18, 20, 23)". */
  pageBackground(): Promise<string> {
    return this.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  }

  /** Settings → Notifications switch on; returns the status text under it. */
  async enableNotifications(): Promise<string> {
    await this.nav('Settings').click();
    const toggle = this.page.getByRole('switch', { name: 'Notifications' });
    await toggle.check();
    return this.page.locator('#notifications-status').innerText();
  }

  /** The "Mute notifications" / "Unmute notifications" button of the open conversation. */
  async toggleMute(): Promise<string> {
    const button = this.page.getByRole('button', { name: /^(Mute|Unmute) notifications$/ });
    const before = await button.innerText();
    await button.click();
    const after = before.startsWith('Mute') ? 'Unmute notifications' : 'Mute notifications';
    await this.page.getByRole('button', { name: after }).waitFor();
    return after;
  }

  /**
   * The person switches to another app: the page becomes hidden. Headless Chromium reports every
   * page 'visible' whatever happens (a second page brought to front, a new tab via CDP, a window
   * minimized via CDP Browser.setWindowBounds, focus emulation off: all tried, all still
   * 'visible'), so this overrides document.visibilityState in the page and fires
   * 'visibilitychange', as the Page Visibility API would.
   */
  async switchAway(): Promise<void> {
    await this.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
  }

  /** Back to the app: the real visibilityState shows again. */
  async comeBack(): Promise<void> {
    await this.page.evaluate(() => {
      delete (document as { visibilityState?: unknown }).visibilityState;
      delete (document as { hidden?: unknown }).hidden;
      document.dispatchEvent(new Event('visibilitychange'));
    });
  }

  /**
   * A Web Push message reaches this browser: delivered to the app's service worker through CDP
   * (ServiceWorker.deliverPushMessage), since headless Chromium has no push service.
   */
  async receivePush(data: string): Promise<void> {
    const cdp = await this.page.context().newCDPSession(this.page);
    const registrations = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: list }) => {
        const mine = list.find((r) => !r.isDeleted && r.scopeURL.startsWith(new URL(this.page.url()).origin));
        if (mine) resolve(mine.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registrations;
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: new URL(this.page.url()).origin, registrationId, data });
    await cdp.detach();
  }

  /** The system notifications the app's service worker registration shows now. */
  shownNotifications(): Promise<{ title: string; body: string }[]> {
    return this.page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body }));
    });
  }

  /** The Messages list item that shows `text` (a message, a quote or a recall notice). */
  messageItem(text: string | RegExp): Locator {
    return this.messages().filter({ has: this.page.locator('.text, .notice').getByText(text, { exact: typeof text === 'string' }) });
  }

  /** Reply on the message showing `text`: the composer then quotes it. */
  async startReply(text: string): Promise<void> {
    await this.messageItem(text).getByRole('button', { name: /^Reply to / }).click();
    await this.page.getByRole('group', { name: 'Replying to' }).waitFor();
  }

  /** Types "@" and the start of a name, picks the first suggestion with the keyboard, and goes on typing. */
  async mention(partial: string, then = ''): Promise<void> {
    const box = this.page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially(`@${partial}`);
    await this.page.getByRole('listbox', { name: 'Mention suggestions' }).getByRole('option').first().waitFor();
    await box.press('Enter');
    if (then) await box.pressSequentially(then);
  }

  /** Recall on my message showing `text`; returns the refusal shown, or null when it was recalled. */
  async recall(text: string): Promise<string | null> {
    const item = this.messageItem(text);
    await item.getByRole('button', { name: 'Recall', exact: true }).click();
    const alert = this.page.getByRole('alert').filter({ hasText: /recall/i });
    // Recalled: the text is gone from the list; refused: an alert says why.
    await until(`recall of ${JSON.stringify(text)}`, async () => [await alert.count(), await item.count()], ([a, i]) => a! > 0 || i === 0);
    return (await alert.count()) > 0 ? alert.innerText() : null;
  }

  /** Status → one of Online, Away, Busy, Invisible, and optionally a status message. */
  async setStatus(status: 'Online' | 'Away' | 'Busy' | 'Invisible', message?: string): Promise<void> {
    // Its name is "Status: Busy" and so on: it contains the word it shows (WCAG 2.5.3).
    const button = this.page.getByRole('button', { name: /^Status\b/ });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await this.page.getByRole('radio', { name: status }).check();
    if (message !== undefined) {
      const box = this.page.getByRole('textbox', { name: 'Status message' });
      await box.fill(message);
      await box.press('Enter');
    }
    await button.click();
  }

  /** The status word shown next to a contact: in the Conversations list, Contact list or conversation header. */
  async statusOf(name: string, where: 'chats' | 'contacts' | 'header'): Promise<string> {
    const scope =
      where === 'chats'
        ? this.conversations().getByRole('link', { name: new RegExp(name) })
        : where === 'contacts'
          ? this.page.getByRole('list', { name: 'Contact list' }).getByRole('link', { name: new RegExp(name) })
          : this.page.locator('section.conversation header');
    return (await scope.locator('.presence').first().innerText()).replace(/\s+/g, ' ').trim();
  }

  async waitForStatus(name: string, where: 'chats' | 'contacts' | 'header', expected: RegExp, timeoutMs = 20_000): Promise<string> {
    return until(`${name} shown as ${expected} in ${where}`, () => this.statusOf(name, where).catch(() => ''), (s) => expected.test(s), timeoutMs);
  }

  /** "Bob is typing…" under the open conversation; empty when nobody types. */
  async typingText(): Promise<string> {
    return (await this.page.locator('section.conversation .typing').innerText()).trim();
  }

  /** Types into the Message box key by key, as a person does (each key is an input event). */
  async typeMessage(text: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Message' }).pressSequentially(text, { delay: 30 });
  }

  /** The unread badge's accessible text on a conversation ("3 unread"), or '' without one. */
  async unreadOf(name: string): Promise<string> {
    const badge = this.conversations().getByRole('link', { name: new RegExp(name) }).locator('.unread .visually-hidden');
    return (await badge.count()) > 0 ? (await badge.innerText()).trim() : '';
  }

  /** Settings → Privacy → "Send read receipts". */
  async setReadReceipts(on: boolean): Promise<void> {
    await this.nav('Settings').click();
    await this.page.getByRole('checkbox', { name: 'Send read receipts' }).setChecked(on);
  }

  async waitForMessages(expected: string[], timeoutMs = 20_000): Promise<string[]> {
    return until(`messages ${JSON.stringify(expected)}`, () => this.messageTexts(), (t) => JSON.stringify(t) === JSON.stringify(expected), timeoutMs);
  }

  /** In the open conversation: Red packet → Amount, Shares, Lucky/Equal, Greeting → Send red packet; the result line. */
  async sendRedPacket(amount: number, shares: number, split: 'Lucky' | 'Equal', greeting: string): Promise<string> {
    const toggle = this.page.getByRole('button', { name: 'Red packet', exact: true });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    const form = this.page.getByRole('form', { name: 'Red packet' });
    await form.getByRole('textbox', { name: 'Amount' }).fill(String(amount));
    await form.getByRole('textbox', { name: 'Shares' }).fill(String(shares));
    await form.getByRole('radio', { name: split }).check();
    await form.getByRole('textbox', { name: 'Greeting' }).fill(greeting);
    const before = Number(await form.getAttribute('data-attempts'));
    await this.page.getByRole('button', { name: 'Send red packet' }).click();
    await until('the red packet is sent or refused', async () => Number(await form.getAttribute('data-attempts')), (n) => n > before, 30_000);
    return this.page.locator('.rp-result').innerText();
  }

  /** The red packet card of the message with this greeting. */
  redPacket(greeting: string): Locator {
    return this.messages().filter({ hasText: greeting }).getByRole('group', { name: /^Red packet from/ });
  }

  /** Opens the packet (once its card shows) and returns the coins the card says I got. */
  async openRedPacket(greeting: string, timeoutMs = 20_000): Promise<number> {
    const card = this.redPacket(greeting);
    await card.getByRole('button', { name: 'Open' }).and(this.page.locator(':enabled')).waitFor({ timeout: timeoutMs });
    await card.getByRole('button', { name: 'Open' }).click();
    const got = card.getByRole('status').filter({ hasText: /You got \d+ coins/ });
    await got.waitFor({ timeout: timeoutMs });
    return Number(/You got (\d+) coins/.exec(await got.innerText())![1]);
  }
}

/**
 * How most tests start a person: their own Chromium profile on the relay's app, with an account
 * made through onboarding. `options` go to openBrowser (a profile directory, a viewport…).
 */
export async function signUp(relay: { url: string }, nickname: string, options: Omit<OpenBrowserOptions, 'origin'> = {}): Promise<{ browser: BrowserHandle; app: Floe }> {
  const browser = await openBrowser({ origin: relay.url, ...options });
  return { browser, app: await onboard(browser.page, relay.url, nickname) };
}

/** Opens the app at `url` in an open page and creates an account there. */
export async function onboard(page: Page, url: string, nickname: string): Promise<Floe> {
  await page.goto(url);
  const app = new Floe(page);
  await app.createAccount(nickname);
  return app;
}
