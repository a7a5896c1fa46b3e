// Translations with the real catalogs (compiled by the same Vite plugin as the app) and the real
// Intl of Node: language choice, plurals, dates, lists, error messages.
import { describe, expect, it } from 'vitest';
import { FloeError } from '../core/errors.ts';
import { pickLanguage, Translations, type LanguageEnv } from './i18n.svelte.ts';

/** A Map-backed Storage stand-in: unit tests run in Node, which has no localStorage. */
function memoryStorage(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial));
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), map };
}

async function started(env: LanguageEnv = {}) {
  const tr = new Translations();
  await tr.start(env);
  return tr;
}

describe('pickLanguage', () => {
  it('takes the first preferred language Floe speaks, by its base language', () => {
    expect(pickLanguage(['ja-JP', 'en-US'])).toBe('ja');
    expect(pickLanguage(['zh-TW'])).toBe('zh');
    expect(pickLanguage(['pt-BR', 'de-AT', 'fr'])).toBe('de');
    expect(pickLanguage(['KO_kr'])).toBe('ko');
  });
  it('falls back to English for nothing usable', () => {
    expect(pickLanguage([])).toBe('en');
    expect(pickLanguage(['pt', 'x-klingon', ''])).toBe('en');
  });
});

describe('Translations', () => {
  it('starts in the browser language, sets <html lang>, and does not count that as a choice', async () => {
    const root = { lang: 'en' };
    const storage = memoryStorage();
    const tr = await started({ preferred: ['ja-JP'], root, storage });
    expect(tr.language).toBe('ja');
    expect(root.lang).toBe('ja');
    expect(tr.chosen).toBe(false);
    expect(tr.t('nav.chats')).toBe('トーク');
    expect(storage.map.size).toBe(0);
  });

  it('an earlier choice on this device wins over the browser language', async () => {
    const tr = await started({ preferred: ['ja-JP'], storage: memoryStorage({ 'floe.language': 'zh' }), root: { lang: '' } });
    expect(tr.language).toBe('zh');
    expect(tr.chosen).toBe(true);
    expect(tr.t('nav.chats')).toBe('聊天');
  });

  it('ignores junk in storage and blocked storage', async () => {
    expect((await started({ preferred: ['fr'], storage: memoryStorage({ 'floe.language': 'xx' }) })).language).toBe('fr');
    const blocked = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    const tr = await started({ preferred: ['de'], storage: blocked });
    expect(tr.language).toBe('de');
    expect(await tr.setLanguage('es')).toBe(true);
    expect(tr.t('nav.settings')).toBe('Ajustes');
  });

  it('setLanguage switches the messages, remembers the choice and updates <html lang>', async () => {
    const storage = memoryStorage();
    const root = { lang: '' };
    const tr = await started({ preferred: ['en-GB'], storage, root });
    expect(tr.t('nav.contacts')).toBe('Contacts');
    await tr.setLanguage('zh');
    expect(tr.t('nav.contacts')).toBe('好友');
    expect(root.lang).toBe('zh-CN');
    expect(storage.map.get('floe.language')).toBe('zh');
    await tr.setLanguage('en');
    expect(tr.t('nav.contacts')).toBe('Contacts');
  });

  it('fills placeholders', async () => {
    const tr = await started({ preferred: ['de'] });
    expect(tr.t('devices.thisDevice', { name: 'Laptop' })).toBe('Laptop (dieses Gerät)');
    expect(tr.t('search.none', { query: '北京' })).toBe('Keine Nachricht passt zu „北京“.');
  });
});

describe('plurals follow each language’s rules (Intl.PluralRules)', () => {
  const coins = async (lang: 'en' | 'fr' | 'de' | 'ja', counts: number[]) => {
    const tr = await started({ preferred: [lang] });
    return counts.map((count) => tr.t('wallet.coins', { count }));
  };
  it('English: 1 is singular, 0 and 2 plural', async () => {
    expect(await coins('en', [0, 1, 2])).toEqual(['coins', 'coin', 'coins']);
  });
  it('French: 0 and 1 are singular', async () => {
    expect(await coins('fr', [0, 1, 2, 1000])).toEqual(['pièce', 'pièce', 'pièces', 'pièces']);
  });
  it('German: like English', async () => {
    expect(await coins('de', [0, 1, 5])).toEqual(['Münzen', 'Münze', 'Münzen']);
  });
  it('Japanese: one form', async () => {
    expect(await coins('ja', [0, 1, 5])).toEqual(['コイン', 'コイン', 'コイン']);
  });
  it('select picks the tip wording', async () => {
    const tr = await started({ preferred: ['es'] });
    expect(tr.t('wallet.received', { kind: 'tip', amount: 5, who: 'Ana' })).toBe('Propina de 5 recibida de Ana');
    expect(tr.t('wallet.received', { kind: 'other', amount: 5, who: 'Ana' })).toBe('5 recibido de Ana');
  });
});

describe('dates, numbers and lists in the chosen language (Intl)', () => {
  const when = Date.UTC(2026, 10, 22, 9, 5);
  it('formats the same moment differently per language', async () => {
    const tr = await started({ preferred: ['en'] });
    const en = tr.dateTime(when);
    expect(en).toMatch(/Nov 22, 2026/);
    await tr.setLanguage('de');
    expect(tr.dateTime(when)).toMatch(/22\.11\.2026/);
    await tr.setLanguage('zh');
    expect(tr.dateTime(when)).toMatch(/2026年11月22日/);
    await tr.setLanguage('ja');
    expect(tr.dateTime(when)).toMatch(/2026\/11\/22/);
    await tr.setLanguage('ko');
    expect(tr.dateTime(when)).toMatch(/2026\. 11\. 22\./);
    await tr.setLanguage('fr');
    expect(tr.dateTime(when)).toMatch(/22 nov\. 2026/);
  });
  it('numbers and lists', async () => {
    const tr = await started({ preferred: ['de'] });
    expect(tr.number(1234567.5)).toBe('1.234.567,5');
    expect(tr.list(['Ann', 'Bob', 'Cy'])).toBe('Ann, Bob und Cy');
    await tr.setLanguage('zh');
    expect(tr.list(['Ann', 'Bob'])).toBe('Ann和Bob');
  });
});

describe('errorText', () => {
  it('uses the context message, then the code message, with the error’s params', async () => {
    const tr = await started({ preferred: ['fr'] });
    const tooLong = new FloeError('input/too-long', 'A nickname can be at most 64 characters.', { max: 64 });
    expect(tr.errorText(tooLong, 'nickname')).toBe('Un pseudo compte au maximum 64 caractères.');
    expect(tr.errorText(tooLong)).toBe('C’est trop long : 64 caractères au maximum.');
    expect(tr.errorText(tooLong, 'no-such-context')).toBe('C’est trop long : 64 caractères au maximum.');
    expect(tr.errorText(new FloeError('link/expired', 'english'))).toBe('Ce code d’association a expiré. Créez-en un nouveau sur votre autre appareil.');
  });
  it('uses a message with values only when the error carries them all', async () => {
    const tr = await started({ preferred: ['de'] });
    const full = new FloeError('group/full', 'Hikers is full (2 members). Ask an admin to make room.', { name: 'Hikers', limit: 2 });
    expect(tr.errorText(full)).toBe('Hikers ist voll (2 Mitglieder). Bitte einen Admin, Platz zu schaffen.');
    // The same code from a place that gave no values: its own (English) sentence, not one with holes.
    const bare = new FloeError('group/full', 'This group is full.');
    expect(tr.errorText(bare)).toBe('This group is full.');
  });

  it('falls back to the English message only for a code without a key', async () => {
    const tr = await started({ preferred: ['ja'] });
    // A code from a newer core that the catalogs do not know yet (locales.test.ts forbids this on main).
    const unknown = new FloeError('nope/unknown' as never, 'Something new happened.');
    expect(tr.errorText(unknown)).toBe('Something new happened.');
  });
});
