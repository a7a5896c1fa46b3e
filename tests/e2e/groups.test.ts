// Group chats, three people: Alice creates a group, Bob and Carol join with its invite link, all
// three chat with names per message; Alice removes Carol, who is told and receives nothing new
// while Alice and Bob keep chatting. Bad links (altered, truncated, expired, stale after the
// removal, a full group) are refused with a clear message. Real relay process, separate Chromium
// profiles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../../src/core/bytes.ts';
import { generateSigningKeyPair } from '../../src/core/crypto.ts';
import { createGroupInvite } from '../../src/core/group-invite.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { INVITE_TTL_MS } from '../../src/core/invite.ts';
import { closeAllBrowsers, openBrowser } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe, until } from './pages.ts';

/** The link with one field of its signed payload changed. */
function altered(link: string, edit: (o: Record<string, unknown>) => void): string {
  const at = link.indexOf('#/group/') + 8;
  const payload = JSON.parse(fromUtf8(fromBase64Url(link.slice(at))!));
  edit(payload);
  return link.slice(0, at) + toBase64Url(utf8(JSON.stringify(payload)));
}

describe('group chats', () => {
  let relay: RelayProcess;
  const open = async () => {
    const b = await openBrowser({ origin: relay.url });
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

  it('creates a group, joins by link, chats, removes a member who then receives nothing new', async () => {
    const [alice, bob, carol] = await Promise.all([open(), open(), open()]);
    await alice.createAccount('Alice');
    await bob.createAccount('Bob');
    await carol.createAccount('Carol');

    await alice.createGroup('Hikers');
    const link = await alice.inviteToGroup();
    expect(link).toContain('#/group/');

    // Links someone tampered with or cut short are refused before anything is fetched.
    expect(await bob.joinGroup(altered(link, (o) => (o.name = 'Evil twin')))).toMatch(/altered/i);
    expect(await bob.joinGroup(link.slice(0, link.length - 12))).toMatch(/incomplete or damaged/i);
    const stranger = await generateSigningKeyPair();
    const expired = await createGroupInvite(
      { account: toBase64Url(stranger.publicKey) as AccountId, accountPrivateKey: stranger.privateKey, name: 'Old' },
      { gid: '0'.repeat(32), name: 'Old group' },
      Date.now() - INVITE_TTL_MS - 60_000,
    );
    expect(await bob.joinGroup(`${relay.url}/${expired.link}`)).toMatch(/expired/i);
    await bob.nav('Chats').click();
    expect(await bob.conversations().getByRole('link').count()).toBe(0); // nothing was stored

    expect(await bob.joinGroup(link)).toBeNull();
    expect(await carol.joinGroup(link)).toBeNull();
    expect(await bob.joinGroup(link)).toMatch(/already in Hikers/i);

    // The group is listed by name on every member's Conversations list.
    for (const p of [alice, bob, carol]) {
      await p.nav('Chats').click();
      await p.conversations().getByRole('link', { name: /Hikers/ }).waitFor({ timeout: 20_000 });
    }
    await alice.openConversation('Hikers');
    await until('three members', () => alice.groupMembers(), (m) => m.length === 3, 30_000);
    expect((await alice.groupMembers()).map((m) => m.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^Alice \(you\) Owner/),
      expect.stringMatching(/^Bob Member/),
      expect.stringMatching(/^Carol Member/),
    ]);

    // The owner makes Bob an admin: Bob sees his role and may now invite.
    await alice.makeAdmin('Bob');
    await bob.openConversation('Hikers');
    await until('Bob an admin', () => bob.groupMembers(), (m) => m.some((x) => /^Bob \(you\)\s*Admin/.test(x.trim())), 30_000);
    await bob.page.getByRole('button', { name: 'Invite to group' }).waitFor();
    await carol.openConversation('Hikers');
    await until('Carol sees Bob as admin', () => carol.groupMembers(), (m) => m.some((x) => /^Bob\s*Admin/.test(x.trim())), 30_000);
    expect(await carol.page.getByRole('button', { name: 'Invite to group' }).count()).toBe(0); // a member may not

    // All three chat; each message shows its author's name.
    await alice.sendMessage('hello hikers');
    await bob.openConversation('Hikers');
    await bob.waitForMessages(['hello hikers'], 30_000);
    await bob.sendMessage('hi from Bob');
    await carol.openConversation('Hikers');
    await carol.waitForMessages(['hello hikers', 'hi from Bob'], 30_000);
    await carol.sendMessage('Carol here');
    const before = ['hello hikers', 'hi from Bob', 'Carol here'];
    for (const p of [alice, bob, carol]) await p.waitForMessages(before, 30_000);
    const authors = await bob.page.getByRole('list', { name: 'Messages' }).locator('li .author').allInnerTexts();
    expect(authors).toEqual(['Alice', 'Bob', 'Carol']);

    // Members need not be online together: Alice is away (page closed) while Bob writes; the relay
    // mailbox keeps it, and after a reload her group, its members and the message are all there.
    await alice.page.goto('about:blank');
    await bob.sendMessage('while Alice was away');
    await until('Bob\'s message on the relay', () => bob.myStates(), (st) => st.length === 2 && st[1] !== 'Pending');
    await alice.page.goto(relay.url);
    await alice.openConversation('Hikers');
    before.push('while Alice was away');
    await alice.waitForMessages(before, 30_000);
    expect(await alice.groupMembers()).toHaveLength(3);

    // Alice removes Carol: Carol is told; Bob learns the new keys through the group itself.
    await alice.removeFromGroup('Carol');
    await until('two members', () => alice.groupMembers(), (m) => m.length === 2);
    await carol.page.getByRole('alert').filter({ hasText: 'You were removed from Hikers' }).waitFor({ timeout: 30_000 });
    await bob.page.getByRole('status').filter({ hasText: 'new keys' }).waitFor({ timeout: 30_000 });
    expect(await bob.groupMembers()).toHaveLength(2);

    await alice.sendMessage('after Carol left');
    await bob.waitForMessages([...before, 'after Carol left'], 30_000);
    await bob.sendMessage('just us now');
    await alice.waitForMessages([...before, 'after Carol left', 'just us now'], 30_000);
    await new Promise((r) => setTimeout(r, 3000)); // ample time for anything that could still arrive
    expect(await carol.messageTexts()).toEqual(before);
    // Carol cannot post any more.
    await carol.sendMessage('still here?');
    await carol.page.getByRole('alert').filter({ hasText: 'no longer a member' }).waitFor();

    // The link from before the removal is stale; a full group refuses newcomers.
    const dave = await open();
    await dave.createAccount('Dave');
    expect(await dave.joinGroup(link)).toMatch(/out of date/i);
    await alice.openGroupInfo();
    await alice.page.getByRole('spinbutton', { name: 'Size limit' }).fill('2');
    await alice.page.getByRole('button', { name: 'Save size limit' }).click();
    await alice.page.getByRole('status').filter({ hasText: 'Size limit saved' }).waitFor();
    const fresh = await alice.inviteToGroup();
    expect(await dave.joinGroup(fresh)).toMatch(/full/i);
    await dave.nav('Chats').click();
    expect(await dave.conversations().getByRole('link').count()).toBe(0);

    // Bob leaves: the group leaves his list, and Alice's member list shows only her.
    await bob.leaveGroup();
    await bob.nav('Chats').click();
    await until('Hikers gone from Bob\'s list', () => bob.conversations().getByRole('link', { name: /Hikers/ }).count(), (n) => n === 0);
    await until('Alice alone', () => alice.groupMembers(), (m) => m.length === 1, 30_000);

    // Alice invites Carol back with a new link: she is a member again and receives new messages.
    expect(await carol.joinGroup(await alice.inviteToGroup())).toBeNull();
    await until('Carol back', () => alice.groupMembers(), (m) => m.length === 2, 30_000);
    await alice.sendMessage('welcome back');
    await carol.openConversation('Hikers');
    await until('Carol gets the new message', () => carol.messageTexts(), (t) => t.at(-1) === 'welcome back', 30_000);
    expect(await carol.page.getByRole('alert').filter({ hasText: 'You were removed' }).count()).toBe(0);

    // The owner renames the group, posts an announcement and sets a picture; members see all three
    // and, being members, get none of those controls.
    await alice.renameGroup('Trail crew');
    await alice.page.getByRole('textbox', { name: 'Announcement' }).fill('Meet at 9');
    await alice.page.getByRole('button', { name: 'Post announcement' }).click();
    await alice.page.getByLabel('Group picture').setInputFiles('public/icons/icon-192.png');
    await alice.page.getByRole('status').filter({ hasText: 'Picture saved' }).waitFor();
    await carol.page.getByRole('heading', { name: 'Trail crew' }).waitFor({ timeout: 30_000 });
    await carol.page.getByRole('note', { name: 'Announcement' }).filter({ hasText: 'Meet at 9' }).waitFor({ timeout: 30_000 });
    const picture = carol.conversations().getByRole('link', { name: /Trail crew/ }).locator('img');
    await until('the group picture', () => picture.getAttribute('src'), (src) => !!src?.startsWith('data:image/jpeg'), 30_000);
    const info = await carol.openGroupInfo();
    expect(await info.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await info.getByRole('button', { name: /^Remove / }).count()).toBe(0);
  });
});
