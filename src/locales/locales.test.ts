// The catalogs themselves: every language has exactly English's keys, nothing empty, the same
// {placeholders}, valid ICU, no English left behind; every key the UI asks for exists; every
// typed error code has a message.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileMessageOrThrow } from '@lingui/message-utils/compileMessage';
import { compileCatalog } from '../../scripts/vite-locales.ts';
import { argsOf } from '../app/i18n.svelte.ts';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const SRC = fileURLToPath(new URL('..', import.meta.url));
const read = (code: string) => JSON.parse(readFileSync(join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
const en = read('en');
const OTHERS = ['zh', 'ja', 'ko', 'fr', 'de', 'es'] as const;

/** Values that are rightly the same as English in some languages, with the reason. */
const SAME_AS_ENGLISH: Record<string, { langs: readonly string[]; why: string }> = {
  'nav.chats': { langs: ['de', 'es'], why: '"Chats" is the everyday word in German and Spanish messengers' },
  'chats.title': { langs: ['de', 'es'], why: 'the heading of the Chats screen, as nav.chats' },
  'notifications.title': { langs: ['fr'], why: '"Notifications" is the French word too' },
  'presence.offline': { langs: ['de'], why: '"Offline" is the German word too' },
  'presence.legend': { langs: ['de'], why: '"Status" is the German word too' },
  'presence.button': { langs: ['de'], why: '"Status" is the German word too' },
};

/** Argument names of an ICU message: {name}, {count, plural, ...}, and those inside plural/select branches. */
export const placeholders = (message: string): string[] => [...argsOf(compileMessageOrThrow(message))].sort();

describe('placeholders()', () => {
  it('finds plain, plural and nested arguments and nothing in plain text', () => {
    expect(placeholders('Plain text')).toEqual([]);
    expect(placeholders('Hi {name}')).toEqual(['name']);
    expect(placeholders('{count, plural, one {# coin from {who}} other {# coins}}')).toEqual(['count', 'who']);
    expect(placeholders('{kind, select, tip {{amount} tip} other {{amount}}}')).toEqual(['amount', 'kind']);
  });
});

describe('locale catalogs', () => {
  it('every catalog is valid ICU MessageFormat', () => {
    for (const code of ['en', ...OTHERS]) expect(() => compileCatalog(readFileSync(join(DIR, `${code}.json`), 'utf8'), code)).not.toThrow();
  });

  it('rejects a catalog with broken ICU, naming the key', () => {
    expect(() => compileCatalog('{"a.b": "{count, plural, one {x}"}', 'bad.json')).toThrow(/"a\.b"/);
    expect(() => compileCatalog('{"a.b": 3}', 'bad.json')).toThrow(/not a string/);
  });

  for (const code of OTHERS) {
    describe(code, () => {
      const other = read(code);
      it('has exactly the keys of English', () => {
        expect(Object.keys(other).filter((k) => !(k in en)), 'extra keys').toEqual([]);
        expect(Object.keys(en).filter((k) => !(k in other)), 'missing keys').toEqual([]);
      });
      it('has no empty messages', () => {
        expect(Object.entries(other).filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([]);
      });
      it('uses the same placeholders as English in every message', () => {
        const differ = Object.keys(en).filter((k) => k in other && placeholders(other[k]!).join() !== placeholders(en[k]!).join());
        expect(differ).toEqual([]);
      });
      it('leaves no English text untranslated', () => {
        const same = Object.keys(en).filter((k) => other[k] === en[k] && /\p{L}/u.test(en[k]!) && !SAME_AS_ENGLISH[k]?.langs.includes(code));
        expect(same).toEqual([]);
      });
    });
  }

  it('English has no empty messages either', () => {
    expect(Object.entries(en).filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([]);
  });

  it('the exceptions list names only keys that exist', () => {
    expect(Object.keys(SAME_AS_ENGLISH).filter((k) => !(k in en))).toEqual([]);
  });
});

/** Every .svelte and .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(svelte|ts)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('keys used by the code', () => {
  // t('key' …) and t("key" …) calls with a literal key; the type of t also rejects unknown keys,
  // but only where svelte-check runs, and this names the file.
  const used = [...sources(join(SRC, 'ui')), ...sources(join(SRC, 'app'))].flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\b(?:t|translate)\(\s*['"]([\w.\/-]+)['"]/g)].map((m) => ({ file: file.slice(SRC.length), key: m[1]! })),
  );

  it('finds the calls it checks', () => {
    expect(used.length).toBeGreaterThan(50);
  });

  it('every t() key exists in en.json', () => {
    expect(used.filter((u) => !(u.key in en))).toEqual([]);
  });

  it('every typed error code has a message', () => {
    const source = readFileSync(join(SRC, 'core', 'errors.ts'), 'utf8');
    const union = /export type FloeErrorCode =([^;]+);/.exec(source)?.[1] ?? '';
    const codes = [...union.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((c) => !(`error.${c}` in en))).toEqual([]);
  });
});

/**
 * Text a person sees that is written into a component instead of coming from t(): letters in the
 * markup outside {…} and in attributes people read (aria-label, placeholder, alt, title). Brand
 * words that stay the same in every language are allowed, and so are sample codes such as the
 * link code placeholder ABCD-EFGH-JKMN-PQRS.
 */
export function literalText(svelte: string): string[] {
  let markup = svelte.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  // Drop {…} expressions, innermost first, so nested braces go too.
  for (let prev = ''; prev !== markup; ) [prev, markup] = [markup, markup.replace(/\{[^{}]*\}/g, ' ')];
  const found: string[] = [];
  for (const m of markup.matchAll(/\b(aria-label|aria-description|placeholder|alt|title)="([^"]*)"/g)) if (/\p{L}/u.test(m[2]!) && !/^[A-Z0-9-]+$/.test(m[2]!)) found.push(`${m[1]}="${m[2]}"`);
  const text = markup.replace(/<[^>]*>/g, '\n');
  for (const line of text.split('\n')) if (/\p{L}/u.test(line.replace(/\bFloe\b/g, ''))) found.push(line.trim());
  return found;
}

describe('components speak only through t()', () => {
  // Every converted component is listed here, so text added later without t() fails this test.
  const CONVERTED = ['App', 'Shell', 'Onboarding', 'Settings', 'Devices', 'BackupExport', 'Wallet', 'Search', 'UpdateBanner', 'AccountId', 'LanguagePicker', 'Appearance', 'ShortcutsHelp', 'KeyboardShortcuts', 'EmojiPicker', 'presence/StatusMenu', 'presence/PresenceBadge', 'presence/TypingIndicator', 'presence/ReceiptState', 'presence/UnreadBadge', 'presence/PrivacySettings', 'Chats', 'ConversationView', 'conversation/Composer', 'conversation/MessageItem', 'conversation/ReplyQuote', 'conversation/MentionSuggestions', 'conversation/PayPanel', 'conversation/ConversationHeader', 'group/NewGroup', 'group/GroupInvite', 'group/GroupBar', 'group/GroupInfo', 'Contacts'];

  it('literalText finds text and readable attributes, and ignores expressions and markup', () => {
    expect(literalText('<script>const a = "x";</script><p class="a">{t(\'k\')}</p><img alt="" />')).toEqual([]);
    expect(literalText('<p>Hello {name}</p><input placeholder="Type here" /><b title={t(\'x\')}>{a ? {b} : c}</b>')).toEqual(['placeholder="Type here"', 'Hello']);
  });

  for (const name of CONVERTED) {
    it(`${name}.svelte has no literal text`, () => {
      expect(literalText(readFileSync(join(SRC, 'ui', `${name}.svelte`), 'utf8'))).toEqual([]);
    });
  }
});
