// Coins end to end: the operator mints to Alice with the CLI while the relay runs; Alice pays Bob
// in their chat; both wallets show the transfer verified (Alice by the relay's signed receipt, Bob
// by an inclusion proof against a signed checkpoint); an overdraft is refused with its reason,
// in Chinese too when the UI is in 中文.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe, signUp, until } from './pages.ts';

describe('wallet and payments', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  const balanceOf = async (f: Floe) => {
    await f.nav('Wallet').click();
    return f.page.getByRole('region', { name: 'Wallet' }).getByTestId('balance').innerText();
  };

  it('mints, pays in chat, verifies on both sides and refuses an overdraft', async () => {
    const { browser: aliceB, app: alice } = await signUp(relay, 'Alice');
    const { browser: bobB, app: bob } = await signUp(relay, 'Bob');
    expect(await bob.addContact(await alice.createInvite())).toBeNull();

    await alice.nav('Wallet').click();
    const aliceId = await aliceB.page.getByRole('textbox', { name: 'Account ID' }).inputValue();
    const mint = spawnSync(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'mint', '--data', relay.dataDir, '--to', aliceId, '--amount', '100'], { encoding: 'utf8' });
    expect(mint.status, mint.stderr).toBe(0);
    await until('Alice sees the minted coins', async () => {
      await alice.nav('Chats').click();
      return balanceOf(alice);
    }, (b) => b === '100');
    await alice.openConversation('Bob');
    await aliceB.page.getByRole('button', { name: 'Send coins' }).click();
    await aliceB.page.getByRole('textbox', { name: 'Amount' }).fill('30');
    await aliceB.page.getByRole('button', { name: 'Pay' }).click();
    await aliceB.page.getByRole('status').filter({ hasText: 'Paid 30 coins to Bob' }).waitFor({ timeout: 20_000 }).catch(async (e) => {
      throw new Error(`${e}; shown: ${await aliceB.page.locator('.pay-result').allInnerTexts()} ${aliceB.errors.join(' ')}`);
    });
    expect(await balanceOf(alice)).toBe('70');
    const aliceTx = aliceB.page.getByRole('list', { name: 'Transactions' });
    await aliceTx.getByText('Sent 30 to Bob').waitFor();
    await expect(aliceTx.innerText()).resolves.toContain('Receipt verified');

    await until('Bob sees the payment', () => balanceOf(bob), (b) => b === '30');
    const bobTx = bobB.page.getByRole('list', { name: 'Transactions' });
    await bobTx.getByText('Received 30 from Alice').waitFor();
    await expect(bobTx.innerText()).resolves.toContain('Verified in the ledger');
    // Their devices passed each other their ledger checkpoints inside the chat and audited them.
    await until('Bob audited the ledger against Alice', async () => {
      await bob.nav('Chats').click();
      await bob.nav('Wallet').click();
      return bobB.page.getByRole('status').filter({ hasText: 'Ledger audit' }).count();
    }, (n) => n > 0, 30_000);
    await expect(bobB.page.getByRole('status').filter({ hasText: 'Ledger audit' }).innerText()).resolves.toContain('Alice');

    // Bob tips a message of Alice's.
    await alice.openConversation('Bob');
    await alice.sendMessage('thanks for dinner');
    await bob.openConversation('Alice');
    await bob.waitForMessages(['thanks for dinner']);
    await bob.messages().first().getByRole('button', { name: /Tip/ }).click();
    await bobB.page.getByRole('textbox', { name: 'Amount' }).fill('5');
    await bobB.page.getByRole('button', { name: 'Pay' }).click();
    await bobB.page.getByRole('status').filter({ hasText: 'Tipped 5 coins to Alice' }).waitFor({ timeout: 20_000 });
    expect(await balanceOf(bob)).toBe('25');
    await bobTx.getByText('Sent 5 to Alice (tip)').waitFor();
    await until('Alice sees the tip', async () => {
      await alice.nav('Chats').click();
      return balanceOf(alice);
    }, (b) => b === '75');
    await aliceTx.getByText('Received 5 from Bob (tip)').waitFor();

    // An overdraft is refused with the relay's reason, and nothing changes.
    await alice.openConversation('Bob');
    await aliceB.page.getByRole('button', { name: 'Send coins' }).click();
    await aliceB.page.getByRole('textbox', { name: 'Amount' }).fill('1000');
    await aliceB.page.getByRole('button', { name: 'Pay' }).click();
    const refused = aliceB.page.getByRole('alert').filter({ hasText: 'Payment refused' });
    await refused.waitFor({ timeout: 20_000 });
    expect(await refused.innerText()).toMatch(/balance|overdraft|enough/i);
    // Bad amounts never leave the device.
    await aliceB.page.getByRole('textbox', { name: 'Amount' }).fill('-5');
    await aliceB.page.getByRole('button', { name: 'Pay' }).click();
    await aliceB.page.getByRole('alert').filter({ hasText: 'greater than zero' }).waitFor();
    expect(await balanceOf(alice)).toBe('75');
    expect(await balanceOf(bob)).toBe('25');

    // In 中文 the relay's refusal reads in Chinese, chosen by its code (kept with the refused
    // transfer): in the wallet's history, and for a new overdraft in the chat.
    await alice.nav('Settings').click();
    await alice.chooseLanguage('中文');
    const zhNav = aliceB.page.getByRole('navigation');
    await zhNav.getByRole('link', { name: '钱包', exact: true }).click();
    await aliceB.page.getByRole('list', { name: '交易记录' }).getByText('被拒绝：你的余额不足以支付这个金额').first().waitFor();
    await zhNav.getByRole('link', { name: '聊天', exact: true }).click();
    await aliceB.page.getByRole('list', { name: '会话列表' }).getByRole('link', { name: /Bob/ }).click();
    await aliceB.page.getByRole('button', { name: '转账' }).click();
    await aliceB.page.getByRole('textbox', { name: '金额' }).fill('1000');
    await aliceB.page.getByRole('button', { name: '支付' }).click();
    await aliceB.page.getByRole('alert').filter({ hasText: '付款被拒绝：你的余额不足以支付这个金额' }).waitFor({ timeout: 20_000 });
    await zhNav.getByRole('link', { name: '设置', exact: true }).click();
    await alice.chooseLanguage('English', '语言');
    expect(await balanceOf(alice)).toBe('75');

    // Offline: the payment is signed and kept as pending, and settles when the relay is back.
    await relay.stop();
    await alice.openConversation('Bob');
    await aliceB.page.getByRole('button', { name: 'Send coins' }).click();
    await aliceB.page.getByRole('textbox', { name: 'Amount' }).fill('10');
    await aliceB.page.getByRole('button', { name: 'Pay' }).click();
    await aliceB.page.getByRole('status').filter({ hasText: 'will be sent when you are online' }).waitFor({ timeout: 20_000 });
    await alice.nav('Wallet').click();
    await aliceTx.getByRole('listitem').filter({ hasText: 'Sent 10 to Bob' }).filter({ hasText: 'Pending' }).waitFor();
    relay = await relay.restart();
    await aliceTx.getByRole('listitem').filter({ hasText: 'Sent 10 to Bob' }).filter({ hasText: 'Receipt verified' }).waitFor({ timeout: 30_000 });
    await until('Bob receives the payment made offline', async () => {
      await bob.nav('Chats').click();
      return balanceOf(bob);
    }, (b) => b === '35', 30_000);
  });
});
