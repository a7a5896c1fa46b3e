// The machine has two cores and other engineers run browser e2e suites on it. Two Chromium runs
// at once would slow both and make every latency figure here meaningless, so before each of our
// browser runs we wait until no other Chromium process exists (polled every 10 s, bounded).
import { execFileSync } from 'node:child_process';
import { sleep } from './stats.ts';

const POLL_MS = 10_000;
const MAX_WAIT_MS = 10 * 60_000;

function chromiumPids(): number[] {
  try {
    const out = execFileSync('pgrep', ['-f', 'chromium'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Resolves once no Chromium runs; returns how long it waited, so the report can say so. */
export async function waitForIdleChromium(log: (line: string) => void): Promise<number> {
  const start = Date.now();
  for (;;) {
    const pids = chromiumPids();
    if (pids.length === 0) return Date.now() - start;
    if (Date.now() - start > MAX_WAIT_MS) throw new Error(`another Chromium kept running for ${MAX_WAIT_MS / 60_000} min (pids ${pids.join(', ')})`);
    log(`waiting for another Chromium to finish (pids ${pids.slice(0, 5).join(', ')}${pids.length > 5 ? '…' : ''})`);
    await sleep(POLL_MS);
  }
}
