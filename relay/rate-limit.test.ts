import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  it('starts full: a burst is allowed at once, one more is refused', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) expect(bucket.take(0)).toBe(true);
    expect(bucket.take(0)).toBe(false);
  });

  it('refills at the configured rate, continuously', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) bucket.take(0);
    expect(bucket.take(50)).toBe(false); // half a token
    expect(bucket.take(100)).toBe(true); // one token after 100 ms at 10/s
    expect(bucket.take(100)).toBe(false);
    expect(bucket.available(300)).toBeCloseTo(2, 10);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 3 }, 0);
    expect(bucket.available(1_000_000)).toBe(3);
  });

  it('sustains exactly the rate over a long run', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 200 }, 0);
    let accepted = 0;
    // One attempt per millisecond for 10 s: 200 from the burst plus 100/s × 10 s.
    for (let t = 0; t < 10_000; t++) if (bucket.take(t)) accepted++;
    expect(accepted).toBeGreaterThanOrEqual(1199);
    expect(accepted).toBeLessThanOrEqual(1200);
  });

  it('does not spend tokens on a refused request, and charges the given cost', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 4 }, 0);
    expect(bucket.take(0, 3)).toBe(true);
    expect(bucket.take(0, 2)).toBe(false);
    expect(bucket.available(0)).toBe(1);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket({ perSecond: 1000, burst: 2 }, 1000);
    bucket.take(1000);
    bucket.take(1000);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.available(500)).toBe(0);
    expect(bucket.take(1001)).toBe(true);
  });

  it('rejects a limit that could never admit anything', () => {
    expect(() => new TokenBucket({ perSecond: 0, burst: 1 }, 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ perSecond: 1, burst: 0 }, 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ perSecond: Number.NaN, burst: 1 }, 0)).toThrow(RangeError);
  });
});
