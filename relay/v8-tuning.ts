// V8 settings for a relay process, applied at its start (relay/cli.ts `serve`; bench/ledger.ts
// applies them to the process it measures settlement in, so it measures what the relay runs).
//
// Allocation-site pretenuring is off. V8 watches which allocation sites' objects survive
// young-generation GCs and, past a threshold, allocates theirs straight in the old generation.
// A burst (thousands of transfers in flight) teaches it that the settlement path's objects live
// long. After the burst they live a few milliseconds again, but they are still born old, and
// the young objects they point to are then kept alive by them until the next full GC: every
// young-generation GC copied and promoted about 0.8 MB instead of 0.1 MB, and its pauses doubled
// (p50 1.5 → 3.4 ms, max 6.6 → 11.5 ms; measured with --trace-gc-nvp at half load after a
// saturated run; docs/decisions.md #22). A relay's objects are short-lived, so it loses nothing.
import { setFlagsFromString } from 'node:v8';

export const RELAY_V8_FLAGS = ['--no-allocation-site-pretenuring'];

/** Applies RELAY_V8_FLAGS to this process; safe to call more than once. */
export function tuneV8ForRelay(): void {
  for (const flag of RELAY_V8_FLAGS) setFlagsFromString(flag);
}
