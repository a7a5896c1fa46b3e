// Encrypted backup end to end: Alice exports her account from Settings; a fresh browser refuses a
// damaged file and a wrong passphrase without storing anything, then restores with the right one
// and is Alice, with her contacts and history, and can keep chatting with Bob.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser, tempDir, type BrowserHandle } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe } from './pages.ts';

describe('encrypted backup and restore', () => {
  let relay: RelayProcess;
  const open = async (): Promise<BrowserHandle> => {
    const b = await openBrowser({ origin: relay.url });
    await b.page.goto(relay.url);
    return b;
  };
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('exports, refuses bad files and passphrases, and restores into a fresh browser', async () => {
    const aliceB = await open();
    const bobB = await open();
    const alice = new Floe(aliceB.page);
    const bob = new Floe(bobB.page);
    await alice.createAccount('Alice');
    await bob.createAccount('Bob');
    expect(await bob.addContact(await alice.createInvite())).toBeNull();
    await alice.openConversation('Bob');
    await alice.sendMessage('kept in the backup');
    await bob.openConversation('Alice');
    await bob.waitForMessages(['kept in the backup']);

    await alice.nav('Settings').click();
    const accountId = await aliceB.page.getByRole('textbox', { name: 'Account ID' }).inputValue();
    await aliceB.page.getByLabel('Backup passphrase').fill('correct horse battery staple');
    const [download] = await Promise.all([aliceB.page.waitForEvent('download'), aliceB.page.getByRole('button', { name: 'Export backup' }).click()]);
    const dir = tempDir('floe-backup');
    const good = join(dir, 'backup.json');
    await download.saveAs(good);
    const text = readFileSync(good, 'utf8');
    expect(text).not.toContain('kept in the backup');
    expect(text).not.toContain('correct horse');

    const freshB = await open();
    const page = freshB.page;
    await page.getByRole('button', { name: 'Restore from backup' }).click();
    const attempt = async (file: { name: string; mimeType: string; buffer: Buffer }, passphrase: string) => {
      await page.getByLabel('Backup file').setInputFiles(file);
      await page.getByLabel('Backup passphrase').fill(passphrase);
      await page.getByRole('button', { name: 'Restore', exact: true }).click();
    };
    const json = (t: string) => ({ name: 'backup.json', mimeType: 'application/json', buffer: Buffer.from(t) });

    const parsed = JSON.parse(text) as { data: string };
    const damaged = JSON.stringify({ ...parsed, data: parsed.data.slice(0, 40) + (parsed.data[40] === 'A' ? 'B' : 'A') + parsed.data.slice(41) });
    await attempt(json(damaged), 'correct horse battery staple');
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/damaged/i);
    await attempt(json(text), 'wrong passphrase!');
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/passphrase/i);
    await attempt(json(text.slice(0, text.length / 2)), 'correct horse battery staple');
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/damaged/i);

    // Nothing was stored: after a reload it is still a fresh browser.
    await page.reload();
    await page.getByRole('button', { name: 'Create account' }).waitFor();

    await page.getByRole('button', { name: 'Restore from backup' }).click();
    await attempt(json(text), 'correct horse battery staple');
    const restored = new Floe(page);
    await restored.nav('Chats').waitFor({ timeout: 20_000 });
    await restored.openConversation('Bob');
    await restored.waitForMessages(['kept in the backup']);
    await restored.nav('Settings').click();
    expect(await page.getByRole('textbox', { name: 'Account ID' }).inputValue()).toBe(accountId);

    // The restored browser is a device of Alice's account: Bob gets what it sends, signed as Alice.
    await restored.openConversation('Bob');
    await restored.sendMessage('written on the restored device');
    await bob.waitForMessages(['kept in the backup', 'written on the restored device'], 30_000);
    await expect(bob.messages().last().innerText()).resolves.toContain('Alice');
  });
});
