// Light and dark themes. The person's choice — System, Light or Dark — is an account setting
// (`theme` in the account doc's settings), so it follows them to every linked device; "System"
// follows prefers-color-scheme live. The resolved theme's palette (palette.ts) is written as CSS
// custom properties on the root element, with `data-theme` and `color-scheme` so native controls
// (scrollbars, selects) match.
//
// The last choice is also cached in localStorage: the account doc opens a moment after the first
// paint, and without the cache a Dark account would flash light on every start.
import type { MessageKey } from './i18n.svelte.ts';
import { PALETTES, type Palette, type ThemeName } from './palette.ts';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type { ThemeName };

/** The account-doc settings key. */
export const THEME_SETTING = 'theme';
export const THEME_CHOICES: readonly { value: ThemeChoice; label: MessageKey }[] = [
  { value: 'system', label: 'theme.system' },
  { value: 'light', label: 'theme.light' },
  { value: 'dark', label: 'theme.dark' },
];
const CACHE_KEY = 'floe.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

/** Anything else (a missing setting, a value from a newer version, junk) means "system". */
export function parseThemeChoice(value: unknown): ThemeChoice {
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): ThemeName {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

/** The parts of a browser window the theme needs; tests pass a fake, the app passes `window`. */
export interface ThemeHost {
  matchMedia(query: string): {
    matches: boolean;
    addEventListener(type: 'change', listener: (e: { matches: boolean }) => void): void;
    removeEventListener(type: 'change', listener: (e: { matches: boolean }) => void): void;
  };
  document: { documentElement: { style: { setProperty(name: string, value: string): void; colorScheme: string }; dataset: DOMStringMap } };
  localStorage?: Pick<Storage, 'getItem' | 'setItem'>;
}

export class Theme {
  choice = $state<ThemeChoice>('system');
  systemDark = $state(false);
  readonly name: ThemeName = $derived(resolveTheme(this.choice, this.systemDark));

  constructor(private readonly host: ThemeHost) {
    this.choice = parseThemeChoice(this.cache('get'));
  }

  /** Applies the theme and follows the system's scheme until the returned function is called. */
  start(): () => void {
    const query = this.host.matchMedia(DARK_QUERY);
    this.systemDark = query.matches;
    const onChange = (e: { matches: boolean }) => {
      this.systemDark = e.matches;
      this.apply();
    };
    query.addEventListener('change', onChange);
    this.apply();
    return () => query.removeEventListener('change', onChange);
  }

  /** The account's setting changed (here or on another device). */
  follow(setting: unknown): void {
    const choice = parseThemeChoice(setting);
    if (choice === this.choice) return;
    this.choice = choice;
    this.cache('set', choice);
    this.apply();
  }

  private apply(): void {
    const name = resolveTheme(this.choice, this.systemDark);
    const root = this.host.document.documentElement;
    const palette: Palette = PALETTES[name];
    for (const [key, value] of Object.entries(palette)) root.style.setProperty(`--${key}`, value);
    root.style.colorScheme = name;
    root.dataset.theme = name;
  }

  /** localStorage can throw (disabled storage, private modes): the cache is only a nicety. */
  private cache(op: 'get' | 'set', value?: string): string | null {
    try {
      if (op === 'get') return this.host.localStorage?.getItem(CACHE_KEY) ?? null;
      this.host.localStorage?.setItem(CACHE_KEY, value!);
    } catch {
      /* fall back to "system" on the next start */
    }
    return null;
  }
}
