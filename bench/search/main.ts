// The search bench page: the app's SearchIndex (src/store/search-index.ts) bundled alone, run
// against the browser's real IndexedDB. bench/search.ts calls `searchBench.run` through
// page.evaluate; the messages are generated here from the seed (bench/search/corpus.ts), so
// 100,000 texts never cross the DevTools protocol. Each run uses a fresh database.
import { fold, matchesTerms, parseQuery } from '../../src/core/search.ts';
import { FloeDb } from '../../src/store/db.ts';
import { SearchIndex } from '../../src/store/search-index.ts';
import { corpus, queries } from './corpus.ts';

export interface QuerySample {
  query: string;
  ms: number;
  hits: number;
  baselineMs: number;
  baselineHits: number;
  /** Same messages as the scan found (the scan matches substrings anywhere, the index word starts). */
  agrees: boolean;
  /** Hits whose text does not contain every term: must be 0. */
  falsePositives: number;
}

export interface SearchRun {
  messages: number;
  indexMs: number;
  /** Indexing in batches as Conversation.refresh hands them over, per room. */
  batches: number;
  foldMs: number;
  samples: QuerySample[];
  usageBytes: number | null;
  rows: number;
}

const LIMIT = 50;
const BATCH = 500;

const api = {
  async run(seed: number, count: number, rooms: number, nQueries: number): Promise<SearchRun> {
    const messages = corpus(seed, count, rooms);
    const db = new FloeDb(`floe-bench-search-${crypto.randomUUID()}`);
    try {
      const index = new SearchIndex(db);
      const byRoom = new Map<string, typeof messages>();
      for (const m of messages) {
        const list = byRoom.get(m.room);
        if (list) list.push(m);
        else byRoom.set(m.room, [m]);
      }
      const t0 = performance.now();
      const writes: Promise<void>[] = [];
      for (const [room, list] of byRoom) for (let i = 0; i < list.length; i += BATCH) writes.push(index.add(room, list.slice(i, i + BATCH)));
      await Promise.all(writes);
      const indexMs = performance.now() - t0;

      // The baseline's working set: every text folded once, kept in memory, newest last.
      const f0 = performance.now();
      const folded = messages.map((m) => fold(m.text));
      const foldMs = performance.now() - f0;

      const qs = queries(seed, messages, nQueries);
      for (const q of qs.slice(0, 5)) await index.search(q, LIMIT); // warm-up, untimed
      const samples: QuerySample[] = [];
      for (const query of qs) {
        const s0 = performance.now();
        const hits = await index.search(query, LIMIT);
        const ms = performance.now() - s0;

        const b0 = performance.now();
        const { terms } = parseQuery(query);
        const found: number[] = [];
        if (terms.length > 0) {
          for (let i = folded.length - 1; i >= 0 && found.length < LIMIT; i--) if (terms.every((t) => folded[i]!.includes(t))) found.push(i);
        }
        const baselineMs = performance.now() - b0;

        const want = new Set(found.map((i) => `${messages[i]!.room}/${messages[i]!.id}`));
        const agrees = hits.length === found.length && hits.every((h) => want.has(`${h.room}/${h.id}`));
        const falsePositives = hits.filter((h) => !matchesTerms(h.text, terms)).length;
        samples.push({ query, ms, hits: hits.length, baselineMs, baselineHits: found.length, agrees, falsePositives });
      }
      const estimate = await navigator.storage?.estimate?.().catch(() => null);
      return { messages: count, indexMs, batches: writes.length, foldMs, samples, usageBytes: estimate?.usage ?? null, rows: await db.search.count() };
    } finally {
      db.close();
      await db.delete().catch(() => undefined);
    }
  },
};

(window as unknown as { searchBench: typeof api }).searchBench = api;
