// Floe's languages. Messages are ICU MessageFormat in src/locales/<code>.json, compiled at build
// time (scripts/vite-locales.ts) and formatted by @lingui/core, whose plurals, dates and numbers
// use the browser's Intl (PluralRules, DateTimeFormat, NumberFormat) for the chosen language.
// English is bundled; every other language is a lazy chunk that the service worker precaches.
//
// `t` reads the reactive `language`, so any component or $derived that calls it re-renders when
// the language changes. Where the choice lives: localStorage (before an account exists, and for
// a device's own first paint) and the account doc's settings (it follows the account to every
// device; App.svelte applies it), see docs/decisions.md.
import { setupI18n, type Messages } from '@lingui/core';
import en from 'virtual:floe-locale/en';
import type english from '../locales/en.json';
import type { FloeError } from '../core/errors.ts';

export type MessageKey = keyof typeof english;
export type Params = Record<string, string | number | Date>;

/** Each language with its own name (the "Language" combobox) and the BCP 47 tag used for Intl and <html lang>. */
export const LANGUAGES = [
  { code: 'en', name: 'English', tag: 'en' },
  { code: 'zh', name: '中文', tag: 'zh-CN' },
  { code: 'ja', name: '日本語', tag: 'ja' },
  { code: 'ko', name: '한국어', tag: 'ko' },
  { code: 'fr', name: 'Français', tag: 'fr' },
  { code: 'de', name: 'Deutsch', tag: 'de' },
  { code: 'es', name: 'Español', tag: 'es' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

/** The account-doc setting and localStorage key that hold an explicit choice. */
export const LANGUAGE_SETTING = 'language';
const STORAGE_KEY = 'floe.language';

const loaders: Record<Exclude<Language, 'en'>, () => Promise<{ default: Messages }>> = {
  zh: () => import('virtual:floe-locale/zh'),
  ja: () => import('virtual:floe-locale/ja'),
  ko: () => import('virtual:floe-locale/ko'),
  fr: () => import('virtual:floe-locale/fr'),
  de: () => import('virtual:floe-locale/de'),
  es: () => import('virtual:floe-locale/es'),
};

/** Argument names of a compiled message (Lingui's form: text, or parts [name, type?, options?] whose options hold plural/select branches). */
export function argsOf(compiled: unknown, into = new Set<string>()): Set<string> {
  if (!Array.isArray(compiled)) return into;
  for (const part of compiled) {
    if (!Array.isArray(part)) continue;
    into.add(String(part[0]));
    const options: unknown = part[2];
    if (options && typeof options === 'object') for (const branch of Object.values(options)) argsOf(branch, into);
  }
  return into;
}

export const isLanguage = (value: unknown): value is Language => LANGUAGES.some((l) => l.code === value);
const tagOf = (lang: Language) => LANGUAGES.find((l) => l.code === lang)!.tag;

/** The first of the browser's preferred languages that Floe speaks ('zh-TW' → 'zh', 'pt-BR' skipped), else English. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** What the page gives us; absent in unit tests and workers. */
export interface LanguageEnv {
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  preferred?: readonly string[];
  root?: { lang: string } | null;
}

export class Translations {
  /** The language shown now; reading it (directly or through t) makes the reader reactive. */
  language = $state<Language>('en');
  /** Whether someone chose the language (rather than it following the browser). */
  chosen = $state(false);
  private readonly i18n = setupI18n({ locale: 'en', locales: ['en'], messages: { en } });
  private readonly loaded = new Set<Language>(['en']);
  private env: LanguageEnv = {};

  /** First start: an earlier choice on this device, else the browser's language. */
  async start(env: LanguageEnv): Promise<void> {
    this.env = env;
    let stored: string | null = null;
    try {
      stored = env.storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      // storage can be blocked (privacy settings): fall back to the browser's language
    }
    this.chosen = isLanguage(stored);
    await this.show(isLanguage(stored) ? stored : pickLanguage(env.preferred ?? []));
  }

  /** An explicit choice: shown now and remembered on this device. False if it could not be loaded. */
  async setLanguage(lang: Language): Promise<boolean> {
    if (!(await this.show(lang))) return false;
    this.chosen = true;
    try {
      this.env.storage?.setItem(STORAGE_KEY, lang);
    } catch {
      // not remembered across reloads on this device; the account doc still carries it
    }
    return true;
  }

  t = (key: MessageKey, params?: Params): string => {
    void this.language; // the dependency that re-renders callers on a language change
    return this.i18n._(key, params);
  };

  /** A date and time in the current language, e.g. "22 nov. 2026, 18:05". */
  dateTime = (value: number | Date): string => {
    void this.language;
    return this.i18n.date(new Date(value), { dateStyle: 'medium', timeStyle: 'short' });
  };

  /** Just the time of day, e.g. "18:05" or "6:05 PM", as the language writes it. */
  time = (value: number | Date): string => {
    void this.language;
    return this.i18n.date(new Date(value), { hour: '2-digit', minute: '2-digit' });
  };

  number = (value: number): string => {
    void this.language;
    return this.i18n.number(value);
  };

  /** "Ann, Bob and Cy" in the current language. */
  list = (items: readonly string[]): string => {
    void this.language;
    return new Intl.ListFormat(tagOf(this.language), { type: 'conjunction' }).format(items);
  };

  /**
   * A typed error from core or app as a sentence in the current language: the message for this
   * context (`error.<context>.<code>`, e.g. what "input/empty" means for a nickname) if there is
   * one, else the code's own (`error.<code>`), each only if the error carries every value the
   * message names; the English text only for a code without a fitting key (locales.test.ts
   * requires a key for every code).
   */
  errorText = (error: FloeError, context?: string): string => {
    const params = error.params ?? {};
    // A relay's refusal (params.refusal holds its code): the code's own text, if the app knows it.
    if (typeof params.refusal === 'string' && this.knowsRefusal(params.refusal)) return this.t(`refusal.${params.refusal}` as MessageKey);
    // A message that names a value this error does not carry would show a hole: skip it.
    const fits = (k: string | undefined): k is MessageKey => !!k && k in en && [...argsOf(en[k])].every((a) => a in params);
    const key = [context && `error.${context}.${error.code}`, `error.${error.code}`].find(fits);
    return key ? this.t(key, params) : error.message;
  };

  /**
   * Why the relay refused a coin operation, in the current language, chosen by its typed code
   * (`refusal.<code>`, app/refusal-text.ts lists them); the relay's own (English) words only for
   * a code this app does not know, i.e. from a newer relay, or for no code at all.
   */
  refusalText = (code: string | undefined, message: string): string => (code !== undefined && this.knowsRefusal(code) ? this.t(`refusal.${code}` as MessageKey) : message);

  private knowsRefusal(code: string): boolean {
    return Object.hasOwn(en, `refusal.${code}`);
  }

  /** False, with the language unchanged, when its chunk cannot be loaded (offline before the service worker cached it). */
  private async show(lang: Language): Promise<boolean> {
    if (!this.loaded.has(lang)) {
      try {
        this.i18n.load(lang, (await loaders[lang as Exclude<Language, 'en'>]()).default);
      } catch {
        return false;
      }
      this.loaded.add(lang);
    }
    this.i18n.activate(lang, [tagOf(lang)]);
    this.language = lang;
    if (this.env.root) this.env.root.lang = tagOf(lang);
    return true;
  }
}

/** The page's translations (the language is page-wide, like <html lang>). Tests make their own. */
export const translations = new Translations();
export const { t, dateTime, time, list, errorText, refusalText } = translations;
export const setLanguage = (lang: Language) => translations.setLanguage(lang);
