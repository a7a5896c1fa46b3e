// Hybrid logical clock (Kulkarni et al.): timestamps that follow wall time when clocks agree and
// still respect causality when they do not. Messages are displayed in HLC order, not arrival.
//
// Invariants: a clock never goes backwards; every timestamp this clock issues is greater than
// every timestamp it has issued or accepted; a remote timestamp further than `maxDriftMs` ahead
// of our wall clock is not accepted into the clock (a broken or hostile peer cannot drag us into
// the future), though the message it stamps still sorts by its own timestamp.
// Pure: the wall clock is a parameter.

export interface Hlc {
  wall: number; // milliseconds since the epoch
  counter: number;
  node: string; // breaks ties between devices: the device id
}

// Ten minutes covers phones whose clocks are set by hand, yet bounds how far a peer can push us.
export const MAX_DRIFT_MS = 10 * 60_000;
const MAX_COUNTER = 0xffff;

export function hlcZero(node: string): Hlc {
  return { wall: 0, counter: 0, node };
}

/** The next timestamp for a local event. */
export function hlcTick(clock: Hlc, now: number): Hlc {
  if (now > clock.wall) return { wall: now, counter: 0, node: clock.node };
  return bump(clock.wall, clock.counter + 1, clock.node);
}

/** Merge a remote timestamp into the clock. Returns the clock unchanged for a timestamp too far ahead. */
export function hlcReceive(clock: Hlc, remote: Hlc, now: number, maxDriftMs = MAX_DRIFT_MS): Hlc {
  if (remote.wall > now + maxDriftMs) return clock;
  const wall = Math.max(clock.wall, remote.wall, now);
  let counter: number;
  if (wall === clock.wall && wall === remote.wall) counter = Math.max(clock.counter, remote.counter) + 1;
  else if (wall === clock.wall) counter = clock.counter + 1;
  else if (wall === remote.wall) counter = remote.counter + 1;
  else counter = 0;
  return bump(wall, counter, clock.node);
}

function bump(wall: number, counter: number, node: string): Hlc {
  // Counter overflow borrows a millisecond rather than wrapping (wrapping would reorder).
  return counter > MAX_COUNTER ? { wall: wall + 1, counter: 0, node } : { wall, counter, node };
}

/** Fixed-width encoding whose string order is the clock order. */
export function encodeHlc(t: Hlc): string {
  return `${t.wall.toString().padStart(15, '0')}:${t.counter.toString(16).padStart(4, '0')}:${t.node}`;
}

const HLC_RE = /^(\d{15}):([0-9a-f]{4}):([A-Za-z0-9_-]{1,64})$/;
export function decodeHlc(text: string): Hlc | null {
  const m = HLC_RE.exec(text);
  if (!m) return null;
  return { wall: Number(m[1]), counter: parseInt(m[2]!, 16), node: m[3]! };
}

export const compareHlc = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
