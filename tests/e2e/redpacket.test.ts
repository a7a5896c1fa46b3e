// Red packets end to end, three people in a group (real relay, separate Chromium profiles): the
// operator mints to Alice with the CLI; Alice sends a lucky red packet of 2 shares into the group;
// Bob and Carol open it, their wallets add up to the packet, and every card shows the split
// verified against the revealed seed with the luckiest marked. A second packet is opened by Bob
// only and, after the relay's short configured expiry (--redpacket-expiry-ms), what is left goes
// back to Alice: her card says "Refunded N" and her balance shows it. A bad packet is refused.
// In a 1:1 chat the sender cannot open her own packet and the other person can. Axe checks the
// cards and the form.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { axeBothSchemes } from './axe.ts';
import { becomeContacts, Floe, until } from './pages.ts';

const EXPIRY_MS = 15_000;

describe('red packets', () => {
  let relay: RelayProcess;
  const open = async () => {
    const b = await openBrowser({ origin: relay.url });
    await b.page.goto(relay.url);
    return new Floe(b.page);
  };
  const balanceOf = async (f: Floe) => {
    await f.nav('Wallet').click();
    return Number(await f.page.getByRole('region', { name: 'Wallet' }).getByTestId('balance').innerText());
  };
  /** Reads the balance from the Wallet until it is `expected` (claims settle on the relay first). */
  const waitBalance = (f: Floe, who: string, expected: number, timeoutMs = 30_000) =>
    until(`${who}'s balance ${expected}`, async () => {
      await f.nav('Chats').click();
      return balanceOf(f);
    }, (b) => b === expected, timeoutMs);

  beforeAll(async () => {
    relay = await startRelay({ args: ['--redpacket-expiry-ms', String(EXPIRY_MS)] });
  });
  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('a group packet opened by two members adds up in their wallets, verified; the rest is refunded at expiry', async () => {
    const [alice, bob, carol] = await Promise.all([open(), open(), open()]);
    await alice.createAccount('Alice');
    await bob.createAccount('Bob');
    await carol.createAccount('Carol');
    await alice.createGroup('Family');
    const link = await alice.inviteToGroup();
    expect(await bob.joinGroup(link)).toBeNull();
    expect(await carol.joinGroup(link)).toBeNull();

    await alice.nav('Wallet').click();
    const aliceId = await alice.page.getByRole('textbox', { name: 'Account ID' }).inputValue();
    const mint = spawnSync(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'mint', '--data', relay.dataDir, '--to', aliceId, '--amount', '1000'], { encoding: 'utf8' });
    expect(mint.status, mint.stderr).toBe(0);
    await waitBalance(alice, 'Alice', 1000);

    // Bad terms never leave the device: more shares than coins.
    await alice.openConversation('Family');
    expect(await alice.sendRedPacket(3, 5, 'Lucky', 'too thin')).toMatch(/Red packet refused: .*shares may not exceed the amount/);

    // Bob and Carol wait in the group; Alice sends 100 coins in 2 lucky shares.
    await bob.openConversation('Family');
    await carol.openConversation('Family');
    expect(await alice.sendRedPacket(100, 2, 'Lucky', '新年快乐')).toMatch(/Red packet of 100 coins sent/);
    const [bobGot, carolGot] = await Promise.all([bob.openRedPacket('新年快乐'), carol.openRedPacket('新年快乐')]);
    expect(bobGot + carolGot).toBe(100);
    expect(Math.min(bobGot, carolGot)).toBeGreaterThanOrEqual(1);
    await waitBalance(bob, 'Bob', bobGot);
    await waitBalance(carol, 'Carol', carolGot);
    await waitBalance(alice, 'Alice', 900);

    // Every member's card shows both shares, the luckiest, and the split checked against the seed.
    for (const p of [alice, bob, carol]) {
      await p.openConversation('Family');
      const card = p.redPacket('新年快乐');
      await card.getByText('Verified split').waitFor({ timeout: 20_000 });
      const shares = await card.getByRole('list', { name: 'Red packet shares' }).getByRole('listitem').allInnerTexts();
      expect(shares).toHaveLength(2);
      expect(shares.join(' ')).toContain(`${bobGot} coins`);
      if (bobGot !== carolGot) expect(shares.filter((s) => s.includes('Luckiest'))).toHaveLength(1);
      expect(await card.getByRole('alert').count()).toBe(0);
    }
    // Opening again changes nothing: the button is spent for those who opened.
    await expect(bob.redPacket('新年快乐').getByRole('button', { name: 'Open' }).isDisabled()).resolves.toBe(true);

    // A second packet: only Bob opens; after the expiry Alice gets the rest back.
    await alice.openConversation('Family');
    expect(await alice.sendRedPacket(30, 3, 'Equal', 'Good luck')).toMatch(/Red packet of 30 coins sent/);
    await bob.openConversation('Family');
    expect(await bob.openRedPacket('Good luck')).toBe(10);
    await alice.openConversation('Family');
    const refunded = alice.redPacket('Good luck').getByText('Refunded 20');
    await refunded.waitFor({ timeout: EXPIRY_MS + 30_000 });
    await alice.redPacket('Good luck').getByText('Verified split').waitFor();
    await waitBalance(alice, 'Alice', 900 - 10);
    await waitBalance(bob, 'Bob', bobGot + 10);
    // Carol was too late.
    await carol.openConversation('Family');
    await carol.redPacket('Good luck').getByText('Refunded 20').waitFor({ timeout: 20_000 });
    await expect(carol.redPacket('Good luck').getByRole('button', { name: 'Open' }).isDisabled()).resolves.toBe(true);

    // In a 1:1 chat the packet is for the other person: Alice cannot open her own, Bob can.
    await becomeContacts(alice, bob, 'Bob');
    expect(await alice.sendRedPacket(7, 1, 'Lucky', 'For Bob')).toMatch(/Red packet of 7 coins sent/);
    await expect(alice.redPacket('For Bob').getByRole('button', { name: 'Open' }).isDisabled()).resolves.toBe(true);
    await bob.openConversation('Alice');
    expect(await bob.openRedPacket('For Bob')).toBe(7);
    await bob.redPacket('For Bob').getByText('Verified split').waitFor({ timeout: 20_000 });
    await waitBalance(bob, 'Bob', bobGot + 10 + 7);

    // The cards and the open form pass axe (no serious or critical violation), light and dark.
    await alice.openConversation('Family');
    await alice.page.getByRole('button', { name: 'Red packet', exact: true }).click();
    await alice.page.getByRole('form', { name: 'Red packet' }).waitFor();
    expect(await axeBothSchemes(alice.page, 'red packets')).toEqual([]);
  });
});
