import { describe, expect, it } from 'vitest';
import { contrastFailures, contrastRatio, mix, parseHex, PALETTES } from './palette.ts';

describe('palettes', () => {
  it.each(['light', 'dark'] as const)('every text and control pair meets WCAG AA in the %s theme', (name) => {
    expect(contrastFailures(PALETTES[name])).toEqual([]);
  });

  it('both themes define the same colours', () => {
    expect(Object.keys(PALETTES.dark).sort()).toEqual(Object.keys(PALETTES.light).sort());
  });

  it('finds a pair that fails (the check can fail)', () => {
    const washedOut = { ...PALETTES.light, muted: '#b0b0b0' };
    expect(contrastFailures(washedOut)).toEqual(expect.arrayContaining([expect.stringMatching(/^muted on panel: 2\.\d\d < 4\.5$/)]));
  });
});

describe('contrast maths', () => {
  it('matches WCAG reference values', () => {
    expect(contrastRatio(parseHex('#000000'), parseHex('#ffffff'))).toBeCloseTo(21, 5);
    expect(contrastRatio(parseHex('#777777'), parseHex('#ffffff'))).toBeCloseTo(4.48, 2);
    expect(contrastRatio(parseHex('#ffffff'), parseHex('#777777'))).toBeCloseTo(4.48, 2); // order does not matter
  });
  it('mixes like color-mix in srgb', () => {
    expect(mix([255, 0, 0], 0.5, [0, 0, 255])).toEqual([128, 0, 128]);
  });
  it('refuses colours it cannot read', () => {
    expect(() => parseHex('red')).toThrow(/not a #rrggbb colour/);
    expect(() => parseHex('#fff')).toThrow(/not a #rrggbb colour/);
  });
});
