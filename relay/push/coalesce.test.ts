import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalesce.ts';

describe('Coalescer', () => {
  it('admits one push per key per window, each key on its own clock', () => {
    const c = new Coalescer(1000);
    expect(c.admit('a', 0)).toBe(true);
    expect(c.admit('a', 999)).toBe(false);
    expect(c.admit('b', 500)).toBe(true);
    expect(c.admit('a', 1000)).toBe(true);
    expect(c.admit('b', 1499)).toBe(false);
    expect(c.admit('b', 1500)).toBe(true);
  });

  it('a window of 0 admits everything; a clock going backwards does not block forever', () => {
    const none = new Coalescer(0);
    expect([none.admit('a', 5), none.admit('a', 5)]).toEqual([true, true]);
    const c = new Coalescer(1000);
    expect(c.admit('a', 10_000)).toBe(true);
    expect(c.admit('a', 5)).toBe(true);
  });

  it('forgets a key on request and stays within maxKeys, dropping expired then oldest keys', () => {
    const c = new Coalescer(1000, 3);
    c.admit('a', 0);
    c.forget('a');
    expect(c.admit('a', 1)).toBe(true);
    c.admit('b', 2);
    c.admit('c', 3);
    c.admit('d', 4); // over the bound with nothing expired: 'a', the oldest, goes
    expect(c.size).toBe(3);
    expect(c.admit('a', 5)).toBe(true);
    expect(c.admit('d', 6)).toBe(false);
    c.admit('e', 2000); // everything else expired by now
    expect(c.size).toBeLessThanOrEqual(3);
  });
});
