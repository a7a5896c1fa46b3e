import { describe, expect, it } from 'vitest';
import { PALETTES } from './palette.ts';
import { parseThemeChoice, resolveTheme, Theme, type ThemeHost } from './theme.svelte.ts';

/**
 * A stand-in for `window`: node has no matchMedia or document. It records what the theme writes
 * on the root element and lets the test flip the system's colour scheme. The real browser is
 * covered by tests/e2e/lookfeel.test.ts.
 */
function fakeWindow(systemDark: boolean, stored: string | null = null, storageThrows = false) {
  const listeners = new Set<(e: { matches: boolean }) => void>();
  const props = new Map<string, string>();
  const style = { setProperty: (k: string, v: string) => void props.set(k, v), colorScheme: '' };
  const dataset: Record<string, string> = {};
  const saved = new Map<string, string>(stored === null ? [] : [['floe.theme', stored]]);
  const host: ThemeHost = {
    matchMedia: () => ({
      matches: systemDark,
      addEventListener: (_t, l) => void listeners.add(l),
      removeEventListener: (_t, l) => void listeners.delete(l),
    }),
    document: { documentElement: { style, dataset } },
    localStorage: {
      getItem: (k) => {
        if (storageThrows) throw new Error('SecurityError');
        return saved.get(k) ?? null;
      },
      setItem: (k, v) => {
        if (storageThrows) throw new Error('QuotaExceededError');
        saved.set(k, v);
      },
    },
  };
  const flip = (dark: boolean) => listeners.forEach((l) => l({ matches: dark }));
  return { host, props, style, dataset, saved, flip, listeners };
}

describe('theme choice', () => {
  it('reads the setting, taking anything unknown as "system"', () => {
    expect(parseThemeChoice('dark')).toBe('dark');
    expect(parseThemeChoice('light')).toBe('light');
    for (const junk of [undefined, null, '', 'DARK', 'solarized', 1, true, {}]) expect(parseThemeChoice(junk)).toBe('system');
  });
  it('resolves "system" from the system scheme and keeps explicit choices', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });
});

describe('Theme', () => {
  it('follows the system scheme live while the choice is System', () => {
    const w = fakeWindow(false);
    const theme = new Theme(w.host);
    const stop = theme.start();
    expect(w.dataset.theme).toBe('light');
    expect(w.props.get('--bg')).toBe(PALETTES.light.bg);
    w.flip(true);
    expect([w.dataset.theme, w.style.colorScheme, w.props.get('--bg')]).toEqual(['dark', 'dark', PALETTES.dark.bg]);
    stop();
    expect(w.listeners.size).toBe(0);
  });

  it('an explicit choice wins over the system and is cached for the next start', () => {
    const w = fakeWindow(true);
    const theme = new Theme(w.host);
    theme.start();
    theme.follow('light');
    expect(theme.name).toBe('light');
    expect(w.props.get('--ink')).toBe(PALETTES.light.ink);
    w.flip(false);
    w.flip(true);
    expect(w.dataset.theme).toBe('light');
    expect(w.saved.get('floe.theme')).toBe('light');

    const next = new Theme(w.host); // the next start paints from the cache before the account opens
    next.start();
    expect(w.dataset.theme).toBe('light');
  });

  it('a junk setting falls back to System; broken storage does not break theming', () => {
    const w = fakeWindow(true, 'dark', true);
    const theme = new Theme(w.host);
    theme.start();
    expect(theme.choice).toBe('system');
    theme.follow('dark');
    expect(w.dataset.theme).toBe('dark');
    theme.follow(42);
    expect([theme.choice, w.dataset.theme]).toEqual(['system', 'dark']);
  });
});
