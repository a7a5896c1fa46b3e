import { describe, expect, it } from 'vitest';
import { compareHlc, decodeHlc, encodeHlc, hlcReceive, hlcTick, hlcZero, MAX_DRIFT_MS, type Hlc } from './hlc.ts';

const T0 = 1_790_000_000_000;

describe('hybrid logical clock', () => {
  it('follows wall time and counts within one millisecond', () => {
    let c = hlcZero('a');
    c = hlcTick(c, T0);
    expect(c).toEqual({ wall: T0, counter: 0, node: 'a' });
    c = hlcTick(c, T0);
    expect(c.counter).toBe(1);
    c = hlcTick(c, T0 - 5000); // wall clock stepped back: the clock does not
    expect(c).toEqual({ wall: T0, counter: 2, node: 'a' });
  });

  it('orders a reply after the message it answers although the replier clock is 5 minutes behind', () => {
    const skew = 5 * 60_000;
    const bob = hlcTick(hlcZero('bob'), T0); // Bob's clock is right
    let alice = hlcReceive(hlcZero('alice'), bob, T0 - skew + 10); // Alice is behind
    alice = hlcTick(alice, T0 - skew + 20);
    expect(compareHlc(encodeHlc(bob), encodeHlc(alice))).toBe(-1);
  });

  it('keeps causal order across a chain of skewed devices (seeded)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const skews = [0, -90_000, 45_000, -3_000];
    const clocks: Hlc[] = skews.map((_, i) => hlcZero(`d${i}`));
    let last: Hlc | null = null;
    let real = T0;
    for (let step = 0; step < 2000; step++) {
      real += Math.floor(rnd() * 3);
      const i = Math.floor(rnd() * clocks.length);
      const now = real + skews[i]!;
      if (last) clocks[i] = hlcReceive(clocks[i]!, last, now);
      const t = hlcTick(clocks[i]!, now);
      clocks[i] = t;
      if (last) expect(encodeHlc(t) > encodeHlc(last)).toBe(true);
      last = t;
    }
  });

  it('ignores a remote timestamp too far in the future', () => {
    const c = hlcTick(hlcZero('a'), T0);
    const evil = { wall: T0 + MAX_DRIFT_MS + 1, counter: 0, node: 'x' };
    expect(hlcReceive(c, evil, T0)).toEqual(c);
    const near = { wall: T0 + 1000, counter: 7, node: 'x' };
    expect(hlcReceive(c, near, T0)).toEqual({ wall: T0 + 1000, counter: 8, node: 'a' });
  });

  it('borrows a millisecond instead of overflowing the counter', () => {
    const c = hlcTick({ wall: T0, counter: 0xffff, node: 'a' }, T0);
    expect(c).toEqual({ wall: T0 + 1, counter: 0, node: 'a' });
  });

  it('encodes so that string order is clock order, and decodes strictly', () => {
    const a = encodeHlc({ wall: 999, counter: 0xfff, node: 'z' });
    const b = encodeHlc({ wall: 1000, counter: 0, node: 'a' });
    expect(a < b).toBe(true);
    expect(decodeHlc(b)).toEqual({ wall: 1000, counter: 0, node: 'a' });
    for (const bad of ['', '1:2:3', '000000000001000:0000:', '000000000001000:00g0:a', `${'9'.repeat(16)}:0000:a`]) {
      expect(decodeHlc(bad)).toBeNull();
    }
  });
});
