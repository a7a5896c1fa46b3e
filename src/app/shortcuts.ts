// Keyboard shortcuts: which key press means what, and the list shown under "Keyboard shortcuts".
// Pure functions over a key press's fields, so the matching is unit-tested without a DOM; the UI
// (ui/KeyboardShortcuts.svelte, ui/Search.svelte) turns a KeyboardEvent into a KeyPress.
//
// Shortcuts that are plain characters ("/", "?") never fire while the focus is in a text field,
// where the person is typing that character; chorded ones (Alt+↓, Ctrl+K) work everywhere except
// Alt+↓ on a select, which opens its list. Nothing fires during IME composition: Enter and
// arrows then pick a candidate.

import type { MessageKey } from './i18n.svelte.ts';

export type ShortcutAction = 'next-conversation' | 'previous-conversation' | 'focus-search' | 'show-shortcuts' | 'close';

export interface KeyPress {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  isComposing?: boolean;
  /** The focus is in a text field (input, textarea, select or contenteditable). */
  typing: boolean;
  /** The focus is on a select, where Alt+↓ opens its list. */
  select?: boolean;
}

export function matchShortcut(k: KeyPress): ShortcutAction | null {
  if (k.isComposing) return null;
  const command = k.ctrlKey || k.metaKey;
  if (k.altKey && !command && !k.shiftKey) {
    if (k.select) return null;
    if (k.key === 'ArrowDown') return 'next-conversation';
    if (k.key === 'ArrowUp') return 'previous-conversation';
    return null;
  }
  if (command && !k.altKey && !k.shiftKey && k.key.toLowerCase() === 'k') return 'focus-search';
  if (k.key === 'Escape' && !command && !k.altKey) return 'close';
  if (command || k.altKey || k.typing) return null;
  if (k.key === '/') return 'focus-search';
  if (k.key === '?') return 'show-shortcuts'; // Shift is how most layouts type "?"
  return null;
}

/** Whether an element is somewhere a person types text. */
export function isTextField(el: { tagName?: string; isContentEditable?: boolean; type?: string } | null): boolean {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(el.type ?? 'text');
}

export function keyPressOf(e: KeyboardEvent): KeyPress {
  return {
    key: e.key,
    altKey: e.altKey,
    ctrlKey: e.ctrlKey,
    metaKey: e.metaKey,
    shiftKey: e.shiftKey,
    isComposing: e.isComposing,
    typing: isTextField(e.target as HTMLInputElement | null),
    select: (e.target as HTMLElement | null)?.tagName === 'SELECT',
  };
}

/**
 * The conversation `step` places away from `current` in the list as shown. Stops at the ends
 * rather than wrapping, so holding Alt+↓ does not cycle forever; with none open, ↓ opens the
 * first and ↑ the last.
 */
export function adjacent<T>(list: readonly T[], current: T | undefined, step: 1 | -1): T | undefined {
  if (list.length === 0) return undefined;
  const at = current === undefined ? -1 : list.indexOf(current);
  if (at === -1) return step === 1 ? list[0] : list[list.length - 1];
  return list[Math.min(list.length - 1, Math.max(0, at + step))];
}

export interface ShortcutHelp {
  keys: string[];
  /** What the shortcut does, as a message key for t(). */
  does: MessageKey;
}

/** The list under "Keyboard shortcuts", with ⌘ and ⌥ on Apple keyboards. */
export function shortcutHelp(apple: boolean): ShortcutHelp[] {
  const alt = apple ? '⌥' : 'Alt';
  const command = apple ? '⌘' : 'Ctrl';
  return [
    { keys: [`${alt}+↓`], does: 'shortcuts.next' },
    { keys: [`${alt}+↑`], does: 'shortcuts.previous' },
    { keys: [`${command}+K`, '/'], does: 'shortcuts.search' },
    { keys: ['Enter'], does: 'shortcuts.send' },
    { keys: ['Shift+Enter'], does: 'shortcuts.newline' },
    { keys: ['Esc'], does: 'shortcuts.close' },
    { keys: ['?'], does: 'shortcuts.help' },
  ];
}

export function isApple(platform: string): boolean {
  return /Mac|iPhone|iPad|iPod/i.test(platform);
}
