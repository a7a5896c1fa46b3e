// Your devices are one: Alice links a second browser by link code, the account and its chats
// follow, both devices talk with Bob, a contact added on one appears on the other; wrong, expired
// and reused codes are refused. Real relay process, separate persistent Chromium profiles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeLinkCode, linkKeys, sealEntry } from '../../src/core/link.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { closeAllBrowsers, openBrowser, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe, until } from './pages.ts';

describe('linked devices', () => {
  let relay: RelayProcess;
  const browsers: BrowserHandle[] = [];
  const open = async () => {
    const b = await openBrowser({ origin: relay.url });
    browsers.push(b);
    await b.page.goto(relay.url);
    return new Floe(b.page);
  };

  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('links a second device, syncs the account and chats from both', async () => {
    const alice1 = await open();
    const bob = await open();
    await alice1.createAccount('Alice');
    await bob.createAccount('Bob');
    expect(await bob.addContact(await alice1.createInvite())).toBeNull();
    await alice1.openConversation('Bob');
    await alice1.sendMessage('before linking');

    // A fresh browser joins Alice's account: both screens show the same code check.
    const alice2 = await open();
    const code = await alice1.showLinkCode();
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    await alice1.page.getByRole('img', { name: 'Link QR code' }).waitFor();
    const joined = await alice2.enterLinkCode(code);
    expect(joined.alert).toBeNull();
    const hostSays = alice1.page.getByRole('status').filter({ hasText: 'wants to join' });
    await hostSays.waitFor();
    expect(await hostSays.innerText()).toContain(joined.sas!);
    await alice1.page.getByRole('button', { name: 'Approve' }).click();

    // Device 2 now has the account, its contacts and the history.
    await alice2.nav('Chats').waitFor({ timeout: 20_000 });
    await alice2.openConversation('Bob');
    await alice2.waitForMessages(['before linking']);
    await alice2.nav('Settings').click();
    await until('both devices listed', () => alice2.page.getByRole('list', { name: 'Devices' }).getByRole('listitem').count(), (n) => n === 2);
    expect(await alice2.page.getByRole('textbox', { name: 'Account ID' }).inputValue()).toBe(
      await alice1.page.getByRole('textbox', { name: 'Account ID' }).inputValue(),
    );

    // Bob's message reaches both of Alice's devices; Alice answers from device 2.
    await bob.openConversation('Alice');
    await bob.sendMessage('hello both of you');
    await alice1.openConversation('Bob');
    await alice2.openConversation('Bob');
    await alice1.waitForMessages(['before linking', 'hello both of you']);
    await alice2.waitForMessages(['before linking', 'hello both of you']);
    await alice2.sendMessage('from device 2');
    const all = ['before linking', 'hello both of you', 'from device 2'];
    await bob.waitForMessages(all);
    await alice1.waitForMessages(all);
    await expect(bob.messages().last().innerText()).resolves.toContain('Alice');

    // A contact added on device 1 appears on device 2.
    const carol = await open();
    await carol.createAccount('Carol');
    expect(await alice1.addContact(await carol.createInvite())).toBeNull();
    await alice2.nav('Contacts').click();
    await alice2.page.getByRole('list', { name: 'Contact list' }).getByText('Carol').waitFor({ timeout: 20_000 });

    // Device 2 is removed on device 1: it is told, and receives nothing sent afterwards.
    await alice1.nav('Settings').click();
    await alice1.page.getByRole('list', { name: 'Devices' }).getByRole('button', { name: 'Remove device' }).click();
    await until('device 1 lists only itself', () => alice1.page.getByRole('list', { name: 'Devices' }).getByRole('listitem').count(), (n) => n === 1);
    await alice2.page.getByRole('alert').filter({ hasText: 'removed from your account' }).waitFor({ timeout: 20_000 });
    // Bob learns of the rotation through the chat itself, and his app says so; from then on what he
    // writes goes to the new room. (Anything written before he learned it is still in the old one.)
    await bob.page.getByRole('status').filter({ hasText: 'new keys' }).waitFor({ timeout: 30_000 });
    await bob.sendMessage('after removal');
    await alice1.openConversation('Bob');
    await alice1.waitForMessages([...all, 'after removal'], 30_000);
    await alice1.sendMessage('device 1 still here');
    await bob.waitForMessages([...all, 'after removal', 'device 1 still here'], 30_000);
    await alice2.openConversation('Bob');
    await new Promise((r) => setTimeout(r, 3000)); // ample time for anything that could still arrive
    expect(await alice2.messageTexts()).toEqual(all);

    // The code Alice used cannot be used again.
    const dave = await open();
    const reused = await dave.enterLinkCode(code);
    expect(reused.alert).toMatch(/already used/i);

    // A wrong code is refused.
    const wrong = await dave.enterLinkCode('AAAA-BBBB-CCCC-DDDD');
    expect(wrong.alert).toMatch(/no device is showing this link code/i);

    // An expired code is refused: an offer that expired a minute ago, posted to the real relay.
    const bytes = crypto.getRandomValues(new Uint8Array(10));
    const keys = await linkKeys(bytes);
    const client = new MailboxClient({ url: relay.signalUrl.replace('/signal', '/v1'), makeSocket: (u) => new WebSocket(u) as unknown as SocketLike });
    client.start();
    await until('connected', async () => client.connected, (c) => c);
    await client.push(keys.room, keys.cap, await sealEntry(keys, { t: 'offer', exp: Date.now() - 60_000, name: 'Alice' }), MailboxClient.newPushId());
    client.stop();
    const expired = await dave.enterLinkCode(encodeLinkCode(bytes));
    expect(expired.alert).toMatch(/expired/i);
    await dave.page.getByRole('button', { name: 'Create account' }).waitFor(); // still on onboarding, nothing stored
  });
});
