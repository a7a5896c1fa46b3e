// Editing a text field's value as plain string operations, so the caret arithmetic is tested
// without a DOM.

/** `insert` replacing text[start, end) — the selection, or the caret when they are equal. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const from = clamp(Math.min(start, end), text.length);
  const to = clamp(Math.max(start, end), text.length);
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}

function clamp(n: number, length: number): number {
  return Number.isFinite(n) ? Math.min(length, Math.max(0, Math.trunc(n))) : length;
}
