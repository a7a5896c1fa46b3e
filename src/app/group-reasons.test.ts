// Every phrase the group log flags with (core/group.ts) has a translation, and it is used.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { groupReasonText, KNOWN_GROUP_REASONS } from './group-reasons.ts';
import { translations } from './i18n.svelte.ts';

describe('groupReasonText', () => {
  afterAll(() => translations.setLanguage('en'));

  it('knows every phrase core/group.ts flags actions with', () => {
    const source = readFileSync(new URL('../core/group.ts', import.meta.url), 'utf8');
    const phrases = [...new Set([...source.matchAll(/flag\('([^']+)'\)/g)].map((m) => m[1]!))];
    expect(phrases.length).toBeGreaterThan(10);
    expect(phrases.filter((p) => !KNOWN_GROUP_REASONS.includes(p))).toEqual([]);
  });

  it('says the reason in the chosen language, and an unknown phrase as it is', async () => {
    expect(groupReasonText('the group is full')).toBe('the group is full');
    await translations.setLanguage('zh');
    expect(groupReasonText('the group is full')).toBe('该群已满员');
    expect(groupReasonText('a reason from a newer version')).toBe('a reason from a newer version');
  });
});
