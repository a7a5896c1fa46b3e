// The two colour themes as data, so their contrast can be checked by a unit test rather than by
// eye. Components never name a colour: they use these CSS custom properties (`var(--ink)`, …),
// which Theme (theme.svelte.ts) writes on the document's root element. A new colour is added
// here for both themes, with its pairs in CONTRAST_PAIRS.
//
// Invariant (tested): every pair in CONTRAST_PAIRS meets WCAG 2.1 AA in both themes — 4.5:1 for
// text, 3:1 for large text and the parts of controls a person must see.

export type ThemeName = 'light' | 'dark';

export interface Palette {
  /** Primary actions, links, the current tab, focus rings. */
  accent: string;
  /** Text on an accent background (primary buttons). */
  'accent-ink': string;
  /** The page behind panels. */
  bg: string;
  /** Panels, lists, inputs, other people's messages. */
  panel: string;
  /** Body text. */
  ink: string;
  /** Secondary text: previews, times, hints. */
  muted: string;
  /** Borders and separators (decorative; not relied on to find a control). */
  line: string;
  /** My own messages' bubbles. */
  mine: string;
  /** Errors and warnings. */
  danger: string;
  /** Text on a danger background (unread counts). */
  'danger-ink': string;
  /** Presence dots; the status word next to each carries the meaning, so these are not text pairs. */
  'presence-online': string;
  'presence-away': string;
  'presence-busy': string;
  'presence-offline': string;
  /** Drop shadows of popovers. */
  shadow: string;
}

export const PALETTES: Record<ThemeName, Palette> = {
  light: {
    accent: '#0b5ed7',
    'accent-ink': '#ffffff',
    bg: '#f5f6f8',
    panel: '#ffffff',
    ink: '#1c1f24',
    muted: '#5b626d',
    line: '#d5d9df',
    mine: '#d9ebff',
    danger: '#b3261e',
    'danger-ink': '#ffffff',
    'presence-online': '#2fb344',
    'presence-away': '#f5a623',
    'presence-busy': '#e5484d',
    'presence-offline': '#9aa0a6',
    shadow: 'rgb(0 0 0 / 0.15)',
  },
  dark: {
    accent: '#6aa8ff',
    'accent-ink': '#0b1526',
    bg: '#121417',
    panel: '#1b1e23',
    ink: '#e8eaed',
    muted: '#a7aeb9',
    line: '#3a3f47',
    mine: '#1d3a60',
    danger: '#ff8a80',
    'danger-ink': '#2a0b08',
    'presence-online': '#3ccf58',
    'presence-away': '#f7b443',
    'presence-busy': '#ff6b6b',
    'presence-offline': '#8b929c',
    shadow: 'rgb(0 0 0 / 0.5)',
  },
};

/** Background tints the components make with color-mix(in srgb, <colour> N%, <bg>). */
export const TINTS = { accentSoft: 0.12, dangerSoft: 0.12 } as const;

type Key = keyof Palette;
type Colour = Key | { mix: Key; amount: number; over: Key };

/** Foreground, background and the ratio the pair must reach (4.5 text, 3 large text / controls). */
export const CONTRAST_PAIRS: [Colour, Colour, number][] = [
  ['ink', 'bg', 4.5],
  ['ink', 'panel', 4.5],
  ['ink', 'mine', 4.5],
  ['muted', 'bg', 4.5],
  ['muted', 'panel', 4.5],
  ['muted', 'mine', 4.5],
  ['accent', 'panel', 4.5],
  ['accent', 'bg', 4.5],
  ['accent', 'mine', 4.5],
  ['accent-ink', 'accent', 4.5],
  ['danger', 'panel', 4.5],
  ['danger', 'bg', 4.5],
  ['danger-ink', 'danger', 4.5],
  // The current tab and selected conversation: accent text on an accent tint.
  ['accent', { mix: 'accent', amount: TINTS.accentSoft, over: 'panel' }, 4.5],
  ['ink', { mix: 'accent', amount: TINTS.accentSoft, over: 'panel' }, 4.5],
  // Problem banners: text on a danger tint.
  ['ink', { mix: 'danger', amount: TINTS.dangerSoft, over: 'bg' }, 4.5],
  ['danger', { mix: 'danger', amount: TINTS.dangerSoft, over: 'bg' }, 4.5],
];

type Rgb = [number, number, number];

export function parseHex(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG 2.1 relative luminance of an sRGB colour. */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** color-mix(in srgb, a amount, b) as the browser computes it. */
export function mix(a: Rgb, amount: number, b: Rgb): Rgb {
  return a.map((c, i) => Math.round(c * amount + b[i]! * (1 - amount))) as Rgb;
}

export function resolveColour(p: Palette, c: Colour): Rgb {
  if (typeof c === 'string') return parseHex(p[c]);
  return mix(parseHex(p[c.mix]), c.amount, parseHex(p[c.over]));
}

/** Every pair that misses its target in `p`, described for a test failure. */
export function contrastFailures(p: Palette): string[] {
  const name = (c: Colour) => (typeof c === 'string' ? c : `${c.mix} ${c.amount * 100}% over ${c.over}`);
  return CONTRAST_PAIRS.flatMap(([fg, bg, min]) => {
    const ratio = contrastRatio(resolveColour(p, fg), resolveColour(p, bg));
    return ratio >= min ? [] : [`${name(fg)} on ${name(bg)}: ${ratio.toFixed(2)} < ${min}`];
  });
}
