// @mentions: what the composer offers while someone types "@…", which mentions a message keeps,
// and how a message's text is split for highlighting.
//
// A mention is an account id inside the signed message (core/message.ts `mentions`); the text
// carries "@name" for a person reading it. Names are not unique and each reader may call a
// contact something else, so names are only ever used for display: who is mentioned is decided by
// the account ids alone. Pure functions over strings.

export interface MentionCandidate {
  account: string;
  /** The name inserted after "@" (the member's own name in the conversation). */
  name: string;
}

/** An "@query" being typed, ending at the caret: where it starts and what follows the "@". */
export interface MentionQuery {
  start: number;
  query: string;
}

/** Longest query we keep offering names for; past it the person is typing something else. */
const MAX_QUERY = 32;

/**
 * The mention being typed at `caret`, if any: an "@" at the start of the text or after
 * whitespace, followed by no whitespace up to the caret (so "mail@example" offers nothing).
 */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0 || caret - at - 1 > MAX_QUERY) return null;
  if (at > 0 && !/\s/.test(before[at - 1]!)) return null;
  const query = before.slice(at + 1);
  return /\s/.test(query) ? null : { start: at, query };
}

/** Members whose name matches `query` (case-insensitive): names that start with it first. */
export function matchMembers<T extends MentionCandidate>(members: readonly T[], query: string, limit = 8): T[] {
  const q = query.toLocaleLowerCase();
  const scored: { m: T; score: number }[] = [];
  for (const m of members) {
    const name = m.name.toLocaleLowerCase();
    const at = name.indexOf(q);
    if (at >= 0) scored.push({ m, score: at === 0 ? 0 : 1 });
  }
  scored.sort((a, b) => a.score - b.score || a.m.name.localeCompare(b.m.name));
  return scored.slice(0, limit).map((s) => s.m);
}

/**
 * The accounts a message mentions: those picked from the suggestions whose "@name" is still in
 * the text when it is sent (a deleted mention is no mention), each once, in the order picked.
 */
export function keptMentions(text: string, picked: readonly MentionCandidate[]): string[] {
  const kept: string[] = [];
  for (const p of picked) if (!kept.includes(p.account) && text.includes(`@${p.name}`)) kept.push(p.account);
  return kept;
}

export interface TextSegment {
  text: string;
  mention: boolean;
}

/** Splits `text` so that every "@name" for the given names is its own, highlighted segment. */
export function mentionSegments(text: string, names: readonly string[]): TextSegment[] {
  // Longest names first, so "@Ann Lee" wins over "@Ann" where both are mentioned.
  const needles = [...new Set(names.filter((n) => n !== ''))].sort((a, b) => b.length - a.length).map((n) => `@${n}`);
  const out: TextSegment[] = [];
  let plain = '';
  for (let i = 0; i < text.length; ) {
    const hit = text[i] === '@' ? needles.find((n) => text.startsWith(n, i)) : undefined;
    if (hit) {
      if (plain) out.push({ text: plain, mention: false });
      out.push({ text: hit, mention: true });
      plain = '';
      i += hit.length;
    } else plain += text[i++];
  }
  if (plain) out.push({ text: plain, mention: false });
  return out;
}
