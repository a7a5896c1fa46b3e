import { describe, expect, it } from 'vitest';
import { adjacent, isApple, isTextField, matchShortcut, shortcutHelp, type KeyPress } from './shortcuts.ts';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  typing: false,
  ...mods,
});

describe('matchShortcut', () => {
  it('Alt+↓ / Alt+↑ move between conversations, also while typing a message', () => {
    expect(matchShortcut(press('ArrowDown', { altKey: true }))).toBe('next-conversation');
    expect(matchShortcut(press('ArrowUp', { altKey: true }))).toBe('previous-conversation');
    expect(matchShortcut(press('ArrowDown', { altKey: true, typing: true }))).toBe('next-conversation');
  });

  it('plain arrows, and Alt with other modifiers or keys, are left to the page', () => {
    expect(matchShortcut(press('ArrowDown'))).toBeNull();
    expect(matchShortcut(press('ArrowDown', { altKey: true, shiftKey: true }))).toBeNull(); // text selection
    expect(matchShortcut(press('ArrowDown', { altKey: true, ctrlKey: true }))).toBeNull();
    expect(matchShortcut(press('ArrowLeft', { altKey: true }))).toBeNull(); // browser back
    expect(matchShortcut(press('k', { altKey: true }))).toBeNull();
    expect(matchShortcut(press('ArrowDown', { altKey: true, typing: true, select: true }))).toBeNull(); // opens the select's list
  });

  it('Ctrl+K and ⌘K focus Search anywhere, whatever the case of the letter', () => {
    expect(matchShortcut(press('k', { ctrlKey: true }))).toBe('focus-search');
    expect(matchShortcut(press('k', { metaKey: true, typing: true }))).toBe('focus-search');
    expect(matchShortcut(press('K', { ctrlKey: true }))).toBe('focus-search'); // Caps Lock on
    expect(matchShortcut(press('k', { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(matchShortcut(press('k'))).toBeNull();
  });

  it('"/" and "?" act only outside text fields, where they are not being typed', () => {
    expect(matchShortcut(press('/'))).toBe('focus-search');
    expect(matchShortcut(press('?', { shiftKey: true }))).toBe('show-shortcuts');
    expect(matchShortcut(press('/', { typing: true }))).toBeNull();
    expect(matchShortcut(press('?', { shiftKey: true, typing: true }))).toBeNull();
    expect(matchShortcut(press('/', { ctrlKey: true }))).toBeNull();
  });

  it('Escape closes, in a text field too', () => {
    expect(matchShortcut(press('Escape'))).toBe('close');
    expect(matchShortcut(press('Escape', { typing: true }))).toBe('close');
  });

  it('nothing fires while an IME is composing', () => {
    for (const k of [press('ArrowDown', { altKey: true }), press('k', { ctrlKey: true }), press('Escape'), press('/')]) {
      expect(matchShortcut({ ...k, isComposing: true })).toBeNull();
    }
  });

  it('ignores keys it does not know, and empty or odd key names', () => {
    for (const key of ['a', 'Enter', '', 'Unidentified', 'Dead']) expect(matchShortcut(press(key))).toBeNull();
  });
});

describe('isTextField', () => {
  it('tells text fields from other elements', () => {
    expect(isTextField({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTextField({ tagName: 'INPUT' })).toBe(true);
    expect(isTextField({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(isTextField({ tagName: 'SELECT' })).toBe(true);
    expect(isTextField({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTextField({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTextField({ tagName: 'BUTTON' })).toBe(false);
    expect(isTextField(null)).toBe(false);
    expect(isTextField({})).toBe(false);
  });
});

describe('adjacent', () => {
  const rooms = ['a', 'b', 'c'];
  it('steps through the list and stops at its ends', () => {
    expect(adjacent(rooms, 'a', 1)).toBe('b');
    expect(adjacent(rooms, 'b', -1)).toBe('a');
    expect(adjacent(rooms, 'c', 1)).toBe('c');
    expect(adjacent(rooms, 'a', -1)).toBe('a');
  });
  it('with none open (or one no longer listed) goes to the first or the last', () => {
    expect(adjacent(rooms, undefined, 1)).toBe('a');
    expect(adjacent(rooms, undefined, -1)).toBe('c');
    expect(adjacent(rooms, 'gone', 1)).toBe('a');
  });
  it('an empty list has nothing to go to', () => {
    expect(adjacent([], undefined, 1)).toBeUndefined();
    expect(adjacent([], 'a', -1)).toBeUndefined();
  });
});

describe('shortcutHelp', () => {
  it('names the keys of the platform and lists every shortcut once', () => {
    const pc = shortcutHelp(false);
    const mac = shortcutHelp(true);
    expect(pc.find((s) => s.does === 'shortcuts.search')?.keys).toEqual(['Ctrl+K', '/']);
    expect(mac.find((s) => s.does === 'shortcuts.search')?.keys).toEqual(['⌘+K', '/']);
    expect(mac[0]!.keys).toEqual(['⌥+↓']);
    expect(new Set(pc.map((s) => s.does)).size).toBe(pc.length);
    expect(isApple('MacIntel')).toBe(true);
    expect(isApple('Linux x86_64')).toBe(false);
  });
});
