// The full-text index of this device's verified messages, in Dexie: one row per message holding
// its text and its tokens (core/search.ts) under a multiEntry index, so IndexedDB keeps the
// postings itself, in native code, in the same write as the row.
//
// Invariants:
// - Only what the caller hands in is indexed; the app hands in verified messages only.
// - Indexing is incremental and idempotent: a row's key is [hlc, room, id], which a signed
//   message never changes, so indexing it again overwrites the same row; a per-room set of the
//   ids already stored (read once per room) keeps a restart from rewriting the whole history.
// - A query is an AND of token groups: an exact token is a group of one; a prefix (a word being
//   typed) is the OR of the indexed words it starts (found with a unique-key walk, at most
//   MAX_EXPANSION; past that the range is read whole). Each exact token's newest `cap` postings
//   come with one native getAllKeys (postings are newest first, see SearchRecord.rank). A list
//   shorter than `cap` is whole; a cut one is complete only down to its last key, so the
//   intersection is taken above the newest such "frontier", where every list is complete. If
//   that window yields fewer than `limit` hits, `cap` grows and the lists are read again. When
//   the rarest group is whole, its keys are the candidates and cut groups are checked on the rows.
// - Candidates' rows are read newest first until `limit` hits; every hit has every query token
//   and contains every term (`matchesTerms`), so the index may over-select but never shows a
//   message that does not contain the query.
import type { Collection } from 'dexie';
import { decodeHlc } from '../core/hlc.ts';
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

type Key = [number, string, string];

/** Rows per IndexedDB transaction when indexing: big enough to amortise the commit. */
const WRITE_BATCH = 1000;
/** Postings read per exact token at first; a list this long may have been cut. */
const CAP = 400;
/** A prefix matching more indexed words than this is read as one range, whole. */
const MAX_EXPANSION = 32;

const keyText = (k: Key) => `${k[0]}\u0000${k[1]}\u0000${k[2]}`;
/** Newest first, like the index; the HLC's wall time is the rank, so equal ranks tie by room and id. */
const byRank = (a: Key, b: Key) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

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
      rows.push({ rank: -(decodeHlc(m.hlc)?.wall ?? 0), hlc: m.hlc, room, id: m.id, text: m.text, tokens: indexTokens(m.text) });
    }
    try {
      for (let i = 0; i < rows.length; i += WRITE_BATCH) await this.db.search.bulkPut(rows.slice(i, i + WRITE_BATCH));
    } catch (error) {
      for (const r of rows) ids.delete(r.id); // not stored: let a later call try again
      throw error;
    }
  }

  /**
   * Removes messages of one conversation (recalled by their authors). Serialised with `add`, so a
   * message indexed and recalled in quick succession ends up absent; resolves once committed.
   */
  remove(room: string, messages: readonly IndexableMessage[]): Promise<void> {
    const next = this.writing.then(async () => {
      const ids = await this.storedIds(room);
      await this.db.search.bulkDelete(messages.map((m): Key => [-(decodeHlc(m.hlc)?.wall ?? 0), room, m.id]));
      for (const m of messages) ids.delete(m.id);
    });
    this.writing = next.catch(() => undefined);
    return next;
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

  /** The exact tokens a query token stands for, or null for "read its range whole". */
  private async expand(q: QueryToken): Promise<string[] | null> {
    if (!q.prefix) return [q.token];
    const words = await this.db.search.where('tokens').startsWith(q.token).limit(MAX_EXPANSION + 1).uniqueKeys();
    return words.length > MAX_EXPANSION ? null : (words as string[]);
  }

  /** One token group's postings, newest first, and the oldest key down to which it is complete. */
  private async group(words: string[] | null, q: QueryToken, cap: number): Promise<{ keys: Key[]; frontier: Key | null }> {
    if (words === null) return { keys: dedupe(await this.postings(q).primaryKeys()), frontier: null };
    const lists = await Promise.all(words.map((w) => this.db.search.where('tokens').equals(w).limit(cap).primaryKeys()));
    let frontier: Key | null = null;
    for (const l of lists) if (l.length >= cap && (frontier === null || byRank(l.at(-1)!, frontier) < 0)) frontier = l.at(-1)!;
    const keys = lists.length === 1 ? lists[0]! : dedupe(lists.flat());
    return { keys: frontier ? keys.filter((k) => byRank(k, frontier!) <= 0) : keys, frontier };
  }

  /** Messages containing every term of `query`, newest first, at most `limit`. */
  async search(query: string, limit = 50): Promise<SearchHit[]> {
    const { tokens, terms } = parseQuery(query);
    if (tokens.length === 0) return [];
    const expansions = await Promise.all(tokens.map((t) => this.expand(t)));
    if (expansions.some((e) => e !== null && e.length === 0)) return [];
    for (let cap = CAP; ; cap *= 8) {
      const groups = await Promise.all(tokens.map((t, i) => this.group(expansions[i]!, t, cap)));
      // Above the newest frontier every group is complete, so the intersection there is exact.
      let window: Key | null = null;
      for (const g of groups) if (g.frontier && (window === null || byRank(g.frontier, window) < 0)) window = g.frontier;
      const [smallest, ...others] = [...groups].sort((a, b) => a.keys.length - b.keys.length);
      if (!smallest!.frontier) {
        // The rarest group is whole: its keys are the candidates, whole groups filter them and
        // the rows' own tokens stand in for the cut groups (no need to read those further).
        const filters = others.filter((g) => !g.frontier).map((g) => new Set(g.keys.map(keyText)));
        return this.collect(smallest!.keys.filter((k) => filters.every((f) => f.has(keyText(k)))), tokens, terms, limit);
      }
      const filters = others.map((g) => new Set(g.keys.map(keyText)));
      const candidates = smallest!.keys.filter((k) => (window === null || byRank(k, window) <= 0) && filters.every((f) => f.has(keyText(k))));
      const hits = await this.collect(candidates, tokens, terms, limit);
      if (hits.length >= limit || window === null) return hits;
    }
  }

  /** Reads candidate rows newest first until `limit` of them pass the final checks. */
  private async collect(candidates: Key[], tokens: QueryToken[], terms: string[], limit: number): Promise<SearchHit[]> {
    const hits: SearchHit[] = [];
    for (let i = 0, page = limit; i < candidates.length && hits.length < limit; i += page, page *= 2) {
      const rows = await this.db.search.bulkGet(candidates.slice(i, i + page));
      for (const r of rows) {
        if (hits.length < limit && r && hasTokens(r.tokens, tokens) && matchesTerms(r.text, terms)) hits.push({ room: r.room, id: r.id, hlc: r.hlc, text: r.text });
      }
    }
    return hits;
  }
}

/** Keys once each, newest first (a prefix range or several words list a message more than once). */
function dedupe(keys: Key[]): Key[] {
  return [...new Map(keys.map((k) => [keyText(k), k])).values()].sort(byRank);
}
