import { describe, expect, it } from 'vitest';
import { EMOJI_CATEGORIES } from './emoji-data.ts';
import { parseEntries, parseRecent, pushRecent, RECENT_MAX, searchEmoji } from './emoji.ts';
import { insertAt } from './text-edit.ts';

const all = EMOJI_CATEGORIES.flatMap((c) => parseEntries(c.entries));

describe('emoji data', () => {
  it('every entry has an emoji and a name, and no emoji is listed twice', () => {
    const raw = EMOJI_CATEGORIES.reduce((n, c) => n + c.entries.split(';').length, 0);
    expect(all).toHaveLength(raw);
    expect(new Set(all.map((e) => e.char)).size).toBe(all.length);
    for (const e of all) {
      expect(e.char).toMatch(/\p{Extended_Pictographic}|\p{Emoji_Presentation}/u);
      expect(e.name).toMatch(/^\S.*\S$/);
    }
    expect(new Set(EMOJI_CATEGORIES.map((c) => c.id)).size).toBe(EMOJI_CATEGORIES.length);
  });

  it('drops malformed entries', () => {
    expect(parseEntries('😀 grinning face;;😃;  ;😄 ')).toEqual([{ char: '😀', name: 'grinning face' }]);
  });
});

describe('searchEmoji', () => {
  it('matches word prefixes of every query word, case-insensitively', () => {
    expect(searchEmoji(all, 'heart eyes').map((e) => e.char)).toEqual(['😍', '😻']);
    expect(searchEmoji(all, 'THUMBS').map((e) => e.name)).toEqual(['thumbs up', 'thumbs down']);
    expect(searchEmoji(all, 'red env').map((e) => e.char)).toEqual(['🧧']);
  });
  it('finds an emoji by itself', () => {
    expect(searchEmoji(all, '🎉').map((e) => e.name)).toEqual(['party popper']);
  });
  it('an empty or unmatched query finds nothing', () => {
    expect(searchEmoji(all, '   ')).toEqual([]);
    expect(searchEmoji(all, 'zzzqx')).toEqual([]);
    expect(searchEmoji(all, 'ace')).toEqual([]); // inside a word ("face") is not a match
  });
});

describe('recent emoji', () => {
  it('puts the last used first, once, keeping at most RECENT_MAX', () => {
    expect(pushRecent(['😀', '🎉', '👍'], '🎉')).toEqual(['🎉', '😀', '👍']);
    const many = Array.from({ length: RECENT_MAX }, (_, i) => String(i));
    const after = pushRecent(many, '😀');
    expect(after).toHaveLength(RECENT_MAX);
    expect(after[0]).toBe('😀');
    expect(after).not.toContain(String(RECENT_MAX - 1));
  });
  it('reads what was stored and ignores junk', () => {
    expect(parseRecent(JSON.stringify(['😀', '🎉']))).toEqual(['😀', '🎉']);
    for (const junk of [null, '', 'not json', '{"a":1}', '42', 'null']) expect(parseRecent(junk)).toEqual([]);
    expect(parseRecent(JSON.stringify(['😀', 5, '', 'x'.repeat(100), null]))).toEqual(['😀']);
  });
});

describe('insertAt', () => {
  it('inserts at the caret and puts the caret after the insertion', () => {
    expect(insertAt('Hi there', 2, 2, '👋')).toEqual({ text: 'Hi👋 there', caret: 4 });
    expect(insertAt('', 0, 0, '🎉')).toEqual({ text: '🎉', caret: 2 });
  });
  it('replaces a selection, whichever way it was made', () => {
    expect(insertAt('I am sad', 5, 8, '😢')).toEqual({ text: 'I am 😢', caret: 7 });
    expect(insertAt('I am sad', 8, 5, '😢')).toEqual({ text: 'I am 😢', caret: 7 });
  });
  it('clamps positions outside the text to its end', () => {
    expect(insertAt('ab', 10, 12, '!')).toEqual({ text: 'ab!', caret: 3 });
    expect(insertAt('ab', -3, 1, '!')).toEqual({ text: '!b', caret: 1 });
    expect(insertAt('ab', NaN, NaN, '!')).toEqual({ text: 'ab!', caret: 3 });
  });
});
