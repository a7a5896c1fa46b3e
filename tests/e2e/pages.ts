// Page models: locators by role and accessible name (the UI contract in ARCHITECTURE.md) and
// methods named after what a person does.
import type { Locator, Page } from 'playwright-core';

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

export class Floe {
  constructor(readonly page: Page) {}

  nav(name: 'Chats' | 'Contacts' | 'Wallet' | 'Settings'): Locator {
    return this.page.getByRole('navigation').getByRole('link', { name, exact: true });
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
    await this.page.getByRole('button', { name: 'Invite to group' }).click();
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
    await this.page.getByRole('button', { name: 'Add', exact: true }).click();
    const alert = this.page.getByRole('alert');
    const group = this.page.getByRole('button', { name: 'Group info' });
    await alert.or(group).first().waitFor({ timeout: timeoutMs });
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
    await panel.getByRole('button', { name: `Make ${name} admin` }).click();
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

  async waitForMessages(expected: string[], timeoutMs = 20_000): Promise<string[]> {
    return until(`messages ${JSON.stringify(expected)}`, () => this.messageTexts(), (t) => JSON.stringify(t) === JSON.stringify(expected), timeoutMs);
  }
}
