// `npm test`: type-check, unit, relay integration, browser end-to-end — in that order, one at a
// time (the machine has two cores; browser suites must not overlap). Prints one closing line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureChromium } from './chromium.mjs';

const only = process.argv.slice(2); // e.g. `npm test -- unit relay`
const want = (name) => only.length === 0 || only.includes(name);
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

let passed = 0;
let failed = 0;
const stop = (why) => {
  console.log(`\nfloe: ${why}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
};

if (want('e2e')) ensureChromium();
if (want('check') && run('npm', ['run', '-s', 'check']) !== 0) stop('type-check failed');
if (want('e2e') && run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) stop('build failed');

mkdirSync('.tmp', { recursive: true });
for (const project of ['unit', 'relay', 'e2e']) {
  if (!want(project)) continue;
  const out = `.tmp/vitest-${project}.json`;
  rmSync(out, { force: true });
  const status = run('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } catch {
    failed += 1;
  }
  if (status !== 0) stop(`${project} tests failed`);
}
console.log(`\nfloe: all suites green`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
