// The full-text index of this device's verified messages, in Dexie: one row per message holding
// its text and its tokens (core/search.ts) under a multiEntry index, so IndexedDB keeps the
// postings itself, in native code, in the same write as the row.
//
// Invariants:
// - Only what the caller hands in is indexed; the app hands in verified messages only.
// - Indexing is incremental and idempotent: a row's key is [hlc, room, id], which a signed
//   message never changes, so indexing it again overwrites the same row; a per-room set of the
//   ids already stored (read once per room) keeps a restart from rewriting the whole history.
// - A query reads at most one token's postings page by page (the rarest token, newest first) and
//   stops at `limit` hits; the other tokens only filter, through their key sets when they are
//   small and through the rows' own tokens otherwise. Every hit passes `matchesTerms`, so the
//   index may over-select but never shows a message that does not contain the query.
import type { Collection } from 'dexie';
import { hasTokens, indexTokens, matchesTerms, parseQuery, type QueryToken } from '../core/search.ts';
import type { FloeDb, SearchRecord } from './db.ts';

export interface IndexableMessage {
  id: string;
  hlc: string;
  text: string;
}

export interface SearchHit {
  room: string;
  id: string;
  hlc: string;
  text: string;
}

type Key = [string, string, string];

/** Rows per IndexedDB transaction when indexing: big enough to amortise the commit. */
const WRITE_BATCH = 1000;
/** A token's key set is read to filter with only when it has at most this many postings. */
const FILTER_MAX = 5000;
/** Postings read per step while walking the rarest token; grows so long walks take few steps. */
const FIRST_PAGE = 100;
const MAX_PAGE = 2000;

const keyText = (k: Key) => `${k[0]}\u0000${k[1]}\u0000${k[2]}`;

export class SearchIndex {
  /** Ids stored per room, loaded from the index the first time a room is indexed. */
  private readonly stored = new Map<string, Promise<Set<string>>>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly db: FloeDb) {}

  /**
   * Indexes messages of one conversation (`room` is its local id). Calls are serialised, so a
   * message handed in twice is written once; resolves when the rows are committed.
   */
  add(room: string, messages: readonly IndexableMessage[]): Promise<void> {
    const next = this.writing.then(() => this.write(room, messages));
    this.writing = next.catch(() => undefined); // one failed write does not block the next
    return next;
  }

  private async write(room: string, messages: readonly IndexableMessage[]): Promise<void> {
    const ids = await this.storedIds(room);
    const rows: SearchRecord[] = [];
    for (const m of messages) {
      if (ids.has(m.id) || typeof m.text !== 'string' || m.text === '') continue;
      ids.add(m.id);
      rows.push({ hlc: m.hlc, room, id: m.id, text: m.text, tokens: indexTokens(m.text) });
    }
    try {
      for (let i = 0; i < rows.length; i += WRITE_BATCH) await this.db.search.bulkPut(rows.slice(i, i + WRITE_BATCH));
    } catch (error) {
      for (const r of rows) ids.delete(r.id); // not stored: let a later call try again
      throw error;
    }
  }

  private storedIds(room: string): Promise<Set<string>> {
    let ids = this.stored.get(room);
    if (!ids) {
      ids = this.db.search
        .where('room')
        .equals(room)
        .primaryKeys()
        .then((keys) => new Set(keys.map((k) => k[2])));
      ids.catch(() => this.stored.delete(room));
      this.stored.set(room, ids);
    }
    return ids;
  }

  private postings(q: QueryToken): Collection<SearchRecord, Key> {
    const where = this.db.search.where('tokens');
    return q.prefix ? where.startsWith(q.token) : where.equals(q.token);
  }

  /** Messages containing every term of `query`, newest first, at most `limit`. */
  async search(query: string, limit = 50): Promise<SearchHit[]> {
    const { tokens, terms } = parseQuery(query);
    if (tokens.length === 0) return [];
    const counts = await Promise.all(tokens.map((t) => this.postings(t).count()));
    if (counts.some((c) => c === 0)) return [];
    const order = tokens.map((t, i) => ({ t, n: counts[i]! })).sort((a, b) => a.n - b.n);
    const [rarest, ...others] = order;
    const filters = await Promise.all(
      others.filter((o) => o.n <= FILTER_MAX).map(async (o) => new Set((await this.postings(o.t).primaryKeys()).map(keyText))),
    );

    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    // A prefix range spans several tokens, so its postings are newest first only within each.
    // Walking it whole when it is small keeps the final order right; large ones stop at `limit`.
    const walk = rarest!.t.prefix && rarest!.n <= FILTER_MAX ? rarest!.n : 0;
    let offset = 0;
    let page = FIRST_PAGE;
    while (hits.length < limit || offset < walk) {
      const keys = await this.postings(rarest!.t).reverse().offset(offset).limit(page).primaryKeys();
      if (keys.length === 0) break;
      offset += keys.length;
      page = Math.min(MAX_PAGE, page * 2);
      const candidates = keys.filter((k) => {
        const s = keyText(k);
        if (seen.has(s)) return false; // a prefix range can list a message once per matching token
        seen.add(s);
        return filters.every((f) => f.has(s));
      });
      const rows = await this.db.search.bulkGet(candidates);
      for (const r of rows) {
        if (r && hasTokens(r.tokens, tokens) && matchesTerms(r.text, terms)) hits.push({ room: r.room, id: r.id, hlc: r.hlc, text: r.text });
      }
    }
    hits.sort((a, b) => (a.hlc < b.hlc ? 1 : a.hlc > b.hlc ? -1 : 0));
    return hits.slice(0, limit);
  }
}
