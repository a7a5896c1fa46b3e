// Benchmark 6: search over 100,000 messages, mixed Chinese and English (issue 7 target: p50
// query ≤ 20 ms, indexing throughput reported).
//
// Runs in Chromium with its real IndexedDB: a bench page (bench/search/) bundles the app's
// SearchIndex alone, generates the seeded history (bench/search/corpus.ts: 50 conversations,
// half Chinese without spaces, four in ten English, one in ten mixed), indexes it the way the app
// does (per conversation, batches of 500 as Conversation.refresh hands verified messages over),
// then times ≥ 200 queries of the kinds people type, each answered with the newest 50 hits.
//
// Baseline, same run, same page: a linear scan, newest first, of the same texts kept folded in
// memory (String.includes for every term, stopping at 50 hits) — what search costs without an
// index, if the whole history were held in memory.
import { openBrowser, type BrowserHandle } from '../tests/support/browser.ts';
import { OUT_DIR } from './lib/build-pages.ts';
import { waitForIdleChromium } from './lib/chromium-gate.ts';
import type { BenchResult } from './lib/report.ts';
import { serveStatic, type StaticServer } from './lib/static-server.ts';
import { distribution, fmt } from './lib/stats.ts';
import type { SearchRun } from './search/main.ts';

const SEED = 7;
const MESSAGES = 100_000;
const ROOMS = 50;
const QUERIES = 220;
const TARGET_MS = 20;

type WithSearch = { searchBench: { run(seed: number, count: number, rooms: number, queries: number): Promise<SearchRun> } };

export async function benchSearch(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const waited = await waitForIdleChromium(log);
  let pages: StaticServer | null = null;
  let browser: BrowserHandle | null = null;
  let run: SearchRun;
  try {
    pages = await serveStatic(OUT_DIR);
    browser = await openBrowser({ origin: pages.url });
    await browser.page.goto(`${pages.url}/search/index.html`);
    await browser.page.waitForFunction(() => 'searchBench' in window, undefined, { timeout: 10_000 });
    run = await browser.page.evaluate(
      ([seed, n, rooms, q]) => (window as unknown as WithSearch).searchBench.run(seed!, n!, rooms!, q!),
      [SEED, MESSAGES, ROOMS, QUERIES],
    );
    const errors = browser.errors.filter((e) => !/favicon/.test(e));
    if (errors.length > 0) throw new Error(`the search page reported: ${errors.slice(0, 3).join(' | ')}`);
  } finally {
    await browser?.close();
    await pages?.close();
  }
  log(`search: indexed ${run.messages} messages in ${fmt(run.indexMs / 1000, 's', 1)}`);

  const q = distribution(run.samples.map((s) => s.ms));
  const b = distribution(run.samples.map((s) => s.baselineMs));
  const perSec = run.messages / (run.indexMs / 1000);
  const falsePositives = run.samples.reduce((n, s) => n + s.falsePositives, 0);
  const agree = run.samples.filter((s) => s.agrees).length;
  const slowest = [...run.samples].sort((x, y) => y.ms - x.ms).slice(0, 3);
  const kinds = (pred: (s: string) => boolean) => distribution(run.samples.filter((s) => pred(s.query)).map((s) => s.ms));
  const cjk = kinds((s) => /[\u4e00-\u9fff]/.test(s));
  const latin = kinds((s) => !/[\u4e00-\u9fff]/.test(s));
  const ms = (v: number) => fmt(v, 'ms');
  return {
    title: `6. Search over ${MESSAGES.toLocaleString('en-US')} messages (mixed Chinese and English), Chromium + IndexedDB`,
    rows: [
      { figure: `query p50 (${q.n} queries, newest 50 hits each)`, value: ms(q.p50), baseline: `${ms(b.p50)} (linear scan in memory)`, target: `≤ ${TARGET_MS} ms`, met: q.p50 <= TARGET_MS && falsePositives === 0 },
      { figure: 'query p90 / p99 / max', value: `${ms(q.p90)} / ${ms(q.p99)} / ${ms(q.max)}`, baseline: `${ms(b.p90)} / ${ms(b.p99)} / ${ms(b.max)}`, target: '—', met: null },
      { figure: 'query p50 / p99: Chinese queries, English and other queries', value: `${ms(cjk.p50)} / ${ms(cjk.p99)} (n=${cjk.n}); ${ms(latin.p50)} / ${ms(latin.p99)} (n=${latin.n})`, baseline: '—', target: '—', met: null },
      { figure: 'indexing throughput (fresh database, batches of 500 per conversation)', value: `${fmt(perSec, 'msg/s')} (${fmt(run.indexMs / 1000, 's', 1)} for ${run.messages.toLocaleString('en-US')})`, baseline: `${fmt(run.foldMs, 'ms')} to fold the texts into the scan's in-memory copy`, target: 'reported', met: null },
      { figure: 'hits not containing every query term (false positives)', value: String(falsePositives), baseline: '—', target: '0', met: falsePositives === 0 },
      { figure: 'queries with the same hits as the scan', value: `${agree} of ${run.samples.length}`, baseline: '—', target: 'context', met: null },
      { figure: 'rows in the index / origin storage used', value: `${run.rows.toLocaleString('en-US')} / ${run.usageBytes === null ? 'n/a' : fmt(run.usageBytes / 2 ** 20, 'MiB', 1)}`, baseline: '—', target: '—', met: null },
    ],
    notes: [
      `Seeded history (seed ${SEED}): ${MESSAGES.toLocaleString('en-US')} messages in ${ROOMS} conversations; half Chinese sentences of 3–10 common words without spaces, four in ten English sentences of 4–13 words, one in ten both; words drawn with a skew (few common, many rare).`,
      `Queries (${QUERIES}, after 5 untimed warm-ups): Chinese words; Chinese phrases of 3–5 characters cut from real messages (across word boundaries); English words; English word pairs; single Chinese characters; words nobody wrote. Each asks for the newest 50 hits, as the Search box does; timed from the call to the resolved hits, conversation titles and rendering excluded.`,
      'The scan baseline holds every folded text in memory (the app does not: only open conversations are in memory, and a 100,000-message history would cost tens of MB of strings); it is the speed to beat without an index, not an alternative design.',
      'Agreement with the scan is not 100 % by design: the index matches English words from their start (“to” finds “tokyo”, not “photo”), the scan anywhere inside a word.',
      `Slowest queries: ${slowest.map((s) => `“${s.query}” ${ms(s.ms)} (${s.hits} hits)`).join('; ')}.`,
      'Measured in Chromium only (no fake-indexeddb figure): fake-indexeddb would time a JavaScript stand-in, not a device.',
      ...(waited > 1000 ? [`Waited ${fmt(waited / 1000, 's', 0)} for another Chromium run to finish first.`] : []),
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
