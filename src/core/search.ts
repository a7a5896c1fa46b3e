// Tokens for full-text search over messages, the same on the way into the index and the way out.
// Pure: no DOM, no I/O; Intl.Segmenter is used when the runtime has it.
//
// Invariants:
// - Text is folded with NFKC then lower-cased before anything else, so full-width Latin,
//   half-width katakana and compatibility forms match their ordinary spellings.
// - Chinese, Japanese and Korean (Han, Hiragana, Katakana, Hangul) have no spaces between words,
//   so a run of them is indexed as overlapping bigrams plus its single characters (for
//   one-character queries). Every token is then looked up exactly, so its postings come newest
//   first from the index (a prefix range would list them token by token).
// - Other scripts are indexed by word. Query words match indexed words by prefix (search as you
//   type), CJK bigrams match exactly; the final check (`matchesTerms`) is plain containment of
//   every whitespace-separated query term, so the index only ever narrows, never decides alone.

/** Longest token kept; longer words (links, hashes) are cut, and a query cut the same way still matches. */
export const MAX_TOKEN = 32;

// Letters of the scripts written without spaces that we bigram. Script_Extensions covers ー and 々;
// the lookahead keeps out the CJK punctuation (、。「」) whose extensions list Han too.
const CJK_CHAR = String.raw`(?:(?=[\p{L}\p{M}\p{N}])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])`;
const CJK = new RegExp(`^${CJK_CHAR}`, 'u');
/** Runs of CJK letters, or words of everything else (letters, marks, digits). */
const PIECES = new RegExp(`${CJK_CHAR}+|(?:(?!${CJK_CHAR})[\\p{L}\\p{M}\\p{N}])+`, 'gu');
/** Scripts without spaces that are not CJK: only these need the (slower) dictionary segmenter. */
const NEEDS_SEGMENTER = /[\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;

type WordSegmenter = { segment(text: string): Iterable<{ segment: string; isWordLike?: boolean }> };
const segmenter: WordSegmenter | null =
  typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null;

/** NFKC then lower case: the form both the index and the final containment check compare. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export interface QueryToken {
  token: string;
  /** Match indexed tokens that start with `token` rather than equal it. */
  prefix: boolean;
}

export interface SearchQuery {
  tokens: QueryToken[];
  /** Folded, whitespace-separated terms; a message matches when it contains every one. */
  terms: string[];
}

const cut = (t: string) => (t.length > MAX_TOKEN ? t.slice(0, MAX_TOKEN) : t);

function* words(piece: string): Generator<string> {
  if (segmenter && NEEDS_SEGMENTER.test(piece)) {
    for (const s of segmenter.segment(piece)) if (s.isWordLike !== false && s.segment.trim() !== '') yield s.segment;
  } else yield piece;
}

/** Visits each (CJK run | word) of folded text, in order. */
function eachPiece(folded: string, visit: (piece: string, cjk: boolean) => void): void {
  for (const m of folded.matchAll(PIECES)) {
    const piece = m[0];
    if (CJK.test(piece[0]!)) visit(piece, true);
    else for (const w of words(piece)) visit(w, false);
  }
}

/** CJK characters as an array of code points (surrogate pairs for rare Han stay whole). */
const chars = (run: string) => Array.from(run);

/** The distinct tokens a message is indexed under. */
export function indexTokens(text: string): string[] {
  const out = new Set<string>();
  eachPiece(fold(text), (piece, cjk) => {
    if (!cjk) {
      out.add(cut(piece));
      return;
    }
    const cs = chars(piece);
    for (let i = 0; i < cs.length; i++) {
      out.add(cs[i]!);
      if (i + 1 < cs.length) out.add(cs[i]! + cs[i + 1]!);
    }
  });
  return [...out];
}

/** What a query looks up: bigrams of CJK runs and a lone CJK character (exact), and words (prefix). */
export function parseQuery(query: string): SearchQuery {
  const folded = fold(query);
  const tokens = new Map<string, QueryToken>();
  eachPiece(folded, (piece, cjk) => {
    if (!cjk) {
      const token = cut(piece);
      tokens.set(`p:${token}`, { token, prefix: true });
      return;
    }
    const cs = chars(piece);
    if (cs.length === 1) tokens.set(`e:${piece}`, { token: piece, prefix: false });
    for (let i = 0; i + 1 < cs.length; i++) {
      const token = cs[i]! + cs[i + 1]!;
      tokens.set(`e:${token}`, { token, prefix: false });
    }
  });
  const terms = folded.split(/\s+/u).filter((t) => t !== '');
  return { tokens: [...tokens.values()], terms };
}

/** The final word on a candidate: its folded text contains every term of the query. */
export function matchesTerms(text: string, terms: readonly string[]): boolean {
  const folded = fold(text);
  return terms.every((t) => folded.includes(t));
}

/** Whether a message's indexed tokens satisfy every query token (AND), exact or by prefix. */
export function hasTokens(indexed: readonly string[], query: readonly QueryToken[]): boolean {
  return query.every((q) => (q.prefix ? indexed.some((t) => t.startsWith(q.token)) : indexed.includes(q.token)));
}

/** A short piece of `text` around the first term, for a result line. */
export function snippet(text: string, terms: readonly string[], width = 80): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat.length <= width) return flat;
  const at = terms.length > 0 ? flat.toLowerCase().indexOf(terms[0]!) : -1;
  const start = Math.max(0, Math.min(at - Math.floor(width / 3), flat.length - width));
  return `${start > 0 ? '…' : ''}${flat.slice(start, start + width).trim()}${start + width < flat.length ? '…' : ''}`;
}
