// Runs the benchmarks one after another (never in parallel: the machine has two cores and each
// figure should have it to itself) and writes bench/RESULTS.md. Started by scripts/bench.mjs
// after the app is built; `node --import tsx bench/run.ts [latency|bundle|relay|catchup]…` runs
// a subset and only prints, leaving RESULTS.md as it was.
//
// A benchmark that throws is reported as failed in RESULTS.md (with its error) and the process
// exits non-zero; the others still run, so one broken part does not hide the rest.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { closeAllBrowsers } from '../tests/support/browser.ts';
import { stopAllRelays } from '../tests/support/relay-process.ts';
import { benchBundleSize } from './bundle-size.ts';
import { benchLatency } from './latency.ts';
import { buildBenchPages } from './lib/build-pages.ts';
import { machine, renderResults, type BenchResult } from './lib/report.ts';
import { benchCatchup } from './offline-catchup.ts';
import { benchRelayThroughput } from './relay-throughput.ts';
import { benchLinking } from './linking.ts';
import { benchLedger } from './ledger.ts';
import { benchSearch } from './search.ts';
import { benchPresence } from './presence.ts';
import { benchRedPackets } from './redpacket.ts';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const BENCHES: { name: string; title: string; run: (log: (line: string) => void) => Promise<BenchResult> }[] = [
  { name: 'latency', title: '1. Send → visible latency between two browsers', run: benchLatency },
  { name: 'bundle', title: '2. Initial JavaScript of the built app (gzip -9)', run: () => benchBundleSize() },
  { name: 'relay', title: '3. Relay push throughput', run: benchRelayThroughput },
  { name: 'catchup', title: '4. Catch-up after being offline', run: benchCatchup },
  { name: 'linking', title: '5. Linking a device: Approve → all conversations visible', run: benchLinking },
  { name: 'ledger', title: '6. Ledger settlement', run: benchLedger },
  { name: 'search', title: '7. Search over 100,000 messages', run: benchSearch },
  { name: 'presence', title: '8. Presence change visible to a contact', run: benchPresence },
  { name: 'redpacket', title: '9. Red packet claims', run: benchRedPackets },
];

const t0 = performance.now();

/**
 * Share of the machine's CPU time spent busy (not idle, not waiting for I/O) over the next second,
 * from /proc/stat: tells the reader whether anything else ran while a benchmark started. (The load
 * average is no help here: on this VM it stays high with idle CPUs.)
 */
async function busyShare(): Promise<number | null> {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + f[4]!, total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    await new Promise((r) => setTimeout(r, 1000));
    const b = sample();
    return b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : null;
  } catch {
    return null;
  }
}
const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

const QUIET_BELOW = 0.25;
const QUIET_MAX_WAIT_MS = 120_000;

/**
 * Other engineers' test runs share these two cores. Before each benchmark, wait (bounded) until
 * the machine is mostly idle, and report how busy it was when we started anyway.
 */
async function waitForQuiet(): Promise<{ busy: number | null; waitedMs: number }> {
  const start = performance.now();
  for (;;) {
    const busy = await busyShare();
    const waitedMs = performance.now() - start;
    if (busy === null || busy < QUIET_BELOW || waitedMs > QUIET_MAX_WAIT_MS) return { busy, waitedMs };
    log(`machine busy (${(busy * 100).toFixed(0)} % CPU); waiting for it to quiet down`);
    await new Promise((r) => setTimeout(r, 4000));
  }
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    log(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const started = new Date();
  log('building the bench pages (bench/baseline, bench/catchup) into bench/.out');
  await buildBenchPages();

  const results: BenchResult[] = [];
  let failed = 0;
  for (const b of BENCHES) {
    if (only.length > 0 && !only.includes(b.name)) continue;
    const { busy, waitedMs } = await waitForQuiet();
    const busyText = busy === null ? 'unknown' : `${(busy * 100).toFixed(0)} %`;
    log(`${b.title}: start (CPU busy in the second before: ${busyText})`);
    try {
      const r = await b.run(log);
      const waited = waitedMs > 2000 ? `, after waiting ${(waitedMs / 1000).toFixed(0)} s for other work to finish` : '';
      r.notes.push(`CPU busy (all ${cpus().length} cores, /proc/stat) in the second before this benchmark started: ${busyText}${waited}. Other work may still have started during it.`);
      results.push(r);
    } catch (error) {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      log(`${b.title}: FAILED: ${message}`);
      results.push({ title: `${b.title}: FAILED`, rows: [{ figure: 'error', value: message.split('\n')[0]!.slice(0, 300), baseline: '—', target: '—', met: false }], notes: ['The benchmark threw before it produced figures; see the run log.'] });
      // Leave nothing behind for the next benchmark.
      await closeAllBrowsers();
      await stopAllRelays();
    }
    log(`${b.title}: done`);
  }

  const seconds = (performance.now() - t0) / 1000;
  const markdown = renderResults(results, machine(), started, seconds);
  if (only.length === 0) {
    writeFileSync(RESULTS, markdown);
    log(`wrote ${RESULTS}`);
  } else process.stdout.write(`${markdown}\n`);
  log(`finished in ${seconds.toFixed(0)} s${failed ? `, ${failed} benchmark(s) failed` : ''}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
