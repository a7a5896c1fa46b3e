import { afterAll, describe, expect, it } from 'vitest';
import { setLanguage } from './i18n.svelte.ts';
import { receiptText, statusWord, typingLine, unreadText } from './presence-labels.ts';

describe('presence labels', () => {
  afterAll(async () => {
    await setLanguage('en');
  });

  it('says Read in a 1:1 and Read by N with names in a group', () => {
    expect(receiptText('delivered', [], 1)).toEqual({ label: 'Delivered', names: '' });
    expect(receiptText('read', ['Bob'], 1)).toEqual({ label: 'Read', names: '' });
    expect(receiptText('delivered', ['Bob', 'Carol'], 3)).toEqual({ label: 'Read by 2', names: 'Read by Bob and Carol' });
    expect(receiptText('pending', [], 3)).toEqual({ label: 'Pending', names: '' });
  });

  it('names one typist, counts more, and labels statuses and unread counts', () => {
    expect(typingLine([])).toBe('');
    expect(typingLine(['Bob'])).toBe('Bob is typing…');
    expect(typingLine(['Bob', 'Carol', 'Dan'])).toBe('3 people are typing…');
    expect(statusWord('busy')).toBe('Busy');
    expect(unreadText(3)).toBe('3 unread');
    expect(unreadText(250)).toBe('99+ unread');
  });

  it('speaks the chosen language', async () => {
    await setLanguage('zh');
    expect(statusWord('invisible')).toBe('隐身');
    expect(typingLine(['小明'])).toBe('小明 正在输入…');
    expect(receiptText('read', ['Bob'], 1).label).toBe('已读');
  });
});
