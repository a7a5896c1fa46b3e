// Relay refusals of coin operations in the person's language, chosen by the typed code, with the
// real catalogs (compiled by the app's Vite plugin) and the real MailboxError the client throws.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FloeError } from '../core/errors.ts';
import { LEDGER_ERROR_CODES } from '../core/ledger/refusal.ts';
import { ERROR_CODES } from '../core/protocol.ts';
import { MailboxError } from '../net/mailbox.ts';
import { LANGUAGES, Translations } from './i18n.svelte.ts';
import { REFUSAL_CODES, refusalOf } from './refusal-text.ts';

const catalog = (code: string) => JSON.parse(readFileSync(new URL(`../locales/${code}.json`, import.meta.url), 'utf8')) as Record<string, string>;

async function inLanguage(lang: (typeof LANGUAGES)[number]['code']) {
  const tr = new Translations();
  await tr.start({ preferred: [lang] });
  expect(tr.language).toBe(lang);
  return tr;
}

describe('refusal codes', () => {
  it('cover every ledger and red-packet code, and only codes a relay or the client can give', () => {
    expect(REFUSAL_CODES).toEqual(expect.arrayContaining([...LEDGER_ERROR_CODES]));
    expect(REFUSAL_CODES.filter((c) => c !== 'disconnected' && !(ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  for (const { code: lang } of LANGUAGES) {
    it(`every refusal code has its own text in ${lang}, and there is no text for a code the app does not list`, () => {
      const messages = catalog(lang);
      expect(REFUSAL_CODES.filter((c) => !messages[`refusal.${c}`]?.trim())).toEqual([]);
      const listed = new Set<string>(REFUSAL_CODES.map((c) => `refusal.${c}`));
      expect(Object.keys(messages).filter((k) => k.startsWith('refusal.') && !listed.has(k))).toEqual([]);
    });
  }

  it('every language shows every code, none falling back to the relay’s words', async () => {
    for (const { code: lang } of LANGUAGES) {
      const tr = await inLanguage(lang);
      for (const code of REFUSAL_CODES) expect(tr.refusalText(code, 'RELAY WORDS'), `${lang} ${code}`).not.toBe('RELAY WORDS');
    }
  });
});

describe('refusalText', () => {
  const relaySays = "the payer's balance (3) is less than 1000";

  it('a Chinese UI gets the Chinese reason for an overdraft, also inside the payment sentence', async () => {
    const tr = await inLanguage('zh');
    expect(tr.refusalText('overdraft', relaySays)).toBe('你的余额不足以支付这个金额');
    const error = new FloeError('pay/refused', relaySays, { reason: relaySays, refusal: 'overdraft' });
    expect(tr.t('pay.refused', { reason: tr.errorText(error, 'pay') })).toBe('付款被拒绝：你的余额不足以支付这个金额');
  });

  it('English keeps a reason people (and the e2e test) recognise as the balance', async () => {
    const tr = await inLanguage('en');
    expect(tr.refusalText('overdraft', relaySays)).toMatch(/balance/);
    expect(tr.refusalText('packet-expired', 'x')).toBe('this red packet has expired');
  });

  it('a red-packet refusal in Japanese and a relay-wide one in German', async () => {
    expect((await inLanguage('ja')).refusalText('packet-expired', 'this red packet has expired')).toBe('この紅包は期限切れです');
    expect((await inLanguage('de')).refusalText('unavailable', 'the relay is busy')).toBe('das Relay ist gerade ausgelastet oder nicht erreichbar; versuche es später erneut');
  });

  it('falls back to the relay’s message for a code the app does not know (a newer relay) or no code', async () => {
    const tr = await inLanguage('zh');
    expect(tr.refusalText('newer-relay-code', 'a reason from a newer relay')).toBe('a reason from a newer relay');
    expect(tr.refusalText(undefined, 'socket closed')).toBe('socket closed');
    // Names that exist on every object are not codes either.
    expect(tr.refusalText('constructor', 'words')).toBe('words');
    expect(tr.refusalText('__proto__', 'words')).toBe('words');
  });

  it('an unknown code inside a payment error keeps the relay’s words and the code', async () => {
    const tr = await inLanguage('zh');
    const error = new FloeError('pay/refused', 'a reason from a newer relay', { reason: 'a reason from a newer relay', refusal: 'newer-relay-code' });
    expect(tr.errorText(error, 'pay')).toBe('中继服务器答复：“a reason from a newer relay”');
    expect(error.params?.refusal).toBe('newer-relay-code');
  });
});

describe('refusalOf', () => {
  it('keeps the code and words of a relay error frame, as the mailbox client throws it', () => {
    expect(refusalOf(new MailboxError('overdraft', "the payer's balance (3) is less than 1000"))).toEqual({ code: 'overdraft', message: "the payer's balance (3) is less than 1000" });
    expect(refusalOf(new MailboxError('disconnected', 'closed'))).toEqual({ code: 'disconnected', message: 'closed' });
  });

  it('a failure that is no relay answer has words but no code', () => {
    expect(refusalOf(new TypeError('bad json'))).toEqual({ message: 'bad json' });
    expect(refusalOf('odd')).toEqual({ message: 'odd' });
  });
});
