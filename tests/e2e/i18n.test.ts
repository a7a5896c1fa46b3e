// Languages end to end (Chromium, real relay): the Language combobox switches the whole UI, the
// choice survives a reload and lives in the account (it comes back even with this device's
// localStorage cleared), a Japanese browser gets Japanese on first start, and a language can be
// switched offline because its chunk is precached by the service worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllBrowsers, openBrowser } from '../support/browser.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { Floe, until } from './pages.ts';

const OWN_NAMES = ['English', '中文', '日本語', '한국어', 'Français', 'Deutsch', 'Español'];

describe('languages', () => {
  let relay: RelayProcess;

  beforeAll(async () => {
    relay = await startRelay();
  });

  afterAll(async () => {
    await closeAllBrowsers();
    await relay?.stop();
  });

  it('choosing 中文 in Settings → Language changes the UI, survives a reload and follows the account', async () => {
    const browser = await openBrowser({ origin: relay.url, locale: 'en-US' });
    const { page } = browser;
    await page.goto(relay.url);
    const app = new Floe(page);
    await app.createAccount('Alice');
    expect(await app.navNames()).toEqual(['Chats', 'Contacts', 'Wallet', 'Settings']);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    await app.nav('Settings').click();
    expect(await app.languageNames()).toEqual(OWN_NAMES);
    await app.chooseLanguage('中文');
    await until('nav in Chinese', () => app.navNames(), (n) => n[0] === '聊天');
    expect(await app.navNames()).toEqual(['聊天', '好友', '钱包', '设置']);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.getByRole('heading', { name: '设置' }).waitFor();
    await page.getByRole('textbox', { name: '账号 ID' }).waitFor();
    // The names of the languages do not change with the language shown.
    expect(await app.languageNames('语言')).toEqual(OWN_NAMES);

    await page.reload();
    await until('nav in Chinese after reload', () => app.navNames(), (n) => n[0] === '聊天');
    expect(await page.getByRole('link', { name: 'Chats', exact: true }).count()).toBe(0);

    // Forget this device's copy: the account doc's setting brings Chinese back.
    await page.evaluate(() => localStorage.removeItem('floe.language'));
    await page.reload();
    await until('nav in Chinese from the account setting', () => app.navNames(), (n) => n[0] === '聊天');

    // And back to English, with the contract's names.
    await page.getByRole('link', { name: '设置', exact: true }).click();
    await app.chooseLanguage('English', '语言');
    await until('nav in English again', () => app.navNames(), (n) => n[0] === 'Chats');
    expect(browser.errors).toEqual([]);
    await browser.close();
  });

  it('a Japanese browser starts in Japanese (onboarding), and switching works offline from the precache', async () => {
    const browser = await openBrowser({ origin: relay.url, locale: 'ja-JP' });
    const { page, context } = browser;
    await page.goto(relay.url);
    await page.getByRole('heading', { name: 'Floe へようこそ' }).waitFor();
    await page.getByRole('textbox', { name: 'ニックネーム' }).waitFor();
    await page.getByRole('button', { name: 'アカウントを作成' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
    const app = new Floe(page);
    expect(await app.languageBox('言語').inputValue()).toBe('ja');

    // Once the service worker controls the page, other languages load with no network at all.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await context.setOffline(true);
    await app.chooseLanguage('한국어', '言語');
    await page.getByRole('textbox', { name: '닉네임' }).waitFor();
    await page.getByRole('button', { name: '계정 만들기' }).waitFor();
    await context.setOffline(false);

    // The choice made before the account existed becomes the account's language.
    await app.chooseLanguage('日本語', '언어');
    await page.getByRole('textbox', { name: 'ニックネーム' }).fill('Hana');
    await page.getByRole('button', { name: 'アカウントを作成' }).click();
    await until('nav in Japanese', () => app.navNames(), (n) => n.length === 4);
    expect(await app.navNames()).toEqual(['トーク', '友だち', 'ウォレット', '設定']);

    // A refused input shows a translated error, not the English text from core.
    await page.getByRole('link', { name: '設定', exact: true }).click();
    await page.getByLabel('バックアップのパスフレーズ').fill('short');
    await page.getByRole('button', { name: 'バックアップを書き出す' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('パスフレーズは 8 文字以上にしてください。');
    expect(browser.errors).toEqual([]);
    await browser.close();
  });
});
