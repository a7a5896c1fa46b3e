import { describe, expect, it } from 'vitest';
import { keptMentions, matchMembers, mentionQuery, mentionSegments } from './mentions.ts';

const members = [
  { account: 'a', name: 'Alice' },
  { account: 'b', name: 'Bob' },
  { account: 'c', name: 'Ann Lee' },
  { account: 'd', name: '小明' },
];

describe('mentions', () => {
  it('find the "@query" being typed at the caret, and nothing inside words or after a space', () => {
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('hi @Al', 6)).toEqual({ start: 3, query: 'Al' });
    expect(mentionQuery('hi @Al and', 10)).toBeNull();
    expect(mentionQuery('mail@example', 12)).toBeNull();
    expect(mentionQuery('no at sign', 5)).toBeNull();
    expect(mentionQuery(`@${'x'.repeat(40)}`, 41)).toBeNull();
  });

  it('match members by name, prefixes first, case-insensitively, CJK too', () => {
    expect(matchMembers(members, 'a').map((m) => m.name)).toEqual(['Alice', 'Ann Lee']);
    expect(matchMembers(members, 'LEE').map((m) => m.name)).toEqual(['Ann Lee']);
    expect(matchMembers(members, '明').map((m) => m.name)).toEqual(['小明']);
    expect(matchMembers(members, '').length).toBe(4);
    expect(matchMembers(members, 'zzz')).toEqual([]);
  });

  it('keep only mentions still in the text, once each', () => {
    const picked = [members[0]!, members[1]!, members[0]!];
    expect(keptMentions('hi @Alice and @Bob', picked)).toEqual(['a', 'b']);
    expect(keptMentions('hi @Alice', picked)).toEqual(['a']);
    expect(keptMentions('hi', picked)).toEqual([]);
  });

  it('split text into highlighted mentions, longest name first', () => {
    expect(mentionSegments('@Ann Lee and @Ann, hi', ['Ann', 'Ann Lee'])).toEqual([
      { text: '@Ann Lee', mention: true },
      { text: ' and ', mention: false },
      { text: '@Ann', mention: true },
      { text: ', hi', mention: false },
    ]);
    expect(mentionSegments('no names @here', [])).toEqual([{ text: 'no names @here', mention: false }]);
    expect(mentionSegments('', ['x'])).toEqual([]);
  });
});
