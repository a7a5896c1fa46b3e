// The emoji picker's logic. Only the picker (loaded on first use) imports this and its data
// (emoji-data.ts); the Composer inserts the picked emoji with text-edit.ts.
//
// Recently used emoji are this device's own (localStorage), not an account setting: they change
// with every pick, and writing each one into the replicated account doc would be noise on every
// linked device.

export interface Emoji {
  char: string;
  name: string;
}

export const RECENT_KEY = 'floe.emoji.recent';
export const RECENT_MAX = 24;

/** "😀 grinning face;😃 …" → entries; malformed entries (no name) are dropped. */
export function parseEntries(entries: string): Emoji[] {
  return entries.split(';').flatMap((e) => {
    const space = e.indexOf(' ');
    if (space <= 0 || space === e.length - 1) return [];
    return [{ char: e.slice(0, space), name: e.slice(space + 1) }];
  });
}

/**
 * Emoji whose name has a word starting with every word of the query ("heart eyes" finds "smiling
 * face with heart-eyes"), or that are the query itself. Order is kept, so related emoji stay
 * together.
 */
export function searchEmoji(all: readonly Emoji[], query: string): Emoji[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const terms = q.split(/\s+/);
  return all.filter((e) => {
    if (e.char === q) return true;
    const words = e.name.toLowerCase().split(/[\s\-:“”"'.,]+/);
    return terms.every((t) => words.some((w) => w.startsWith(t)));
  });
}

/** `char` moved to the front of the recent list, which keeps at most `max` entries. */
export function pushRecent(recent: readonly string[], char: string, max = RECENT_MAX): string[] {
  return [char, ...recent.filter((c) => c !== char)].slice(0, max);
}

/** The stored recent list; anything that is not a list of short strings counts as none. */
export function parseRecent(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.filter((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= 16).slice(0, RECENT_MAX);
  } catch {
    return [];
  }
}
