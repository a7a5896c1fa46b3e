// `npm run bench`: builds the app, then runs the benchmarks (bench/run.ts, TypeScript through
// tsx), which write bench/RESULTS.md. Extra arguments select benchmarks and skip writing the file,
// e.g. `npm run bench -- relay`.
//
// The whole run is bounded: each benchmark has its own timeouts, and this script stops the run
// (SIGTERM, which the relay and browser helpers clean up after) if it somehow exceeds MAX_MS.
import { spawnSync } from 'node:child_process';
import { ensureChromium } from './chromium.mjs';

const MAX_MS = 30 * 60_000; // generous: includes waiting for another engineer's browser tests
const only = process.argv.slice(2);

ensureChromium();
console.log('floe bench: building the app (vite build)');
const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error('floe bench: the app did not build');
  process.exit(1);
}

const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...only], { stdio: 'inherit', timeout: MAX_MS, killSignal: 'SIGTERM' });
if (run.error) console.error(`floe bench: ${run.error.message}`);
process.exit(run.status ?? 1);
