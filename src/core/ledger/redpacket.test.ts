import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto.ts';
import { checkPacketTerms, claimCapabilityHash, deriveClaimSecret, MAX_SHARES, seedCommitment, splitShares, verifySplit, type PacketTerms } from './redpacket.ts';
import { MAX_AMOUNT } from './transfer.ts';

/** Deterministic seeds for reproducible tests: SHA-256 of a label and a counter. */
const testSeed = (i: number) => sha256(concatBytes(utf8('redpacket-test-seed'), utf8(String(i))));

describe('splitShares', () => {
  it('lucky: whole shares ≥ 1, each at most twice the remaining average, summing to the amount', async () => {
    for (const [amount, shares] of [[1000, 10], [10, 10], [11, 10], [7, 1], [MAX_AMOUNT, MAX_SHARES], [250, 200]] as const) {
      for (let i = 0; i < 20; i++) {
        const split = await splitShares(await testSeed(i), { amount, shares, split: 'lucky' });
        expect(split).toHaveLength(shares);
        expect(split.reduce((a, b) => a + b, 0)).toBe(amount);
        let rest = amount;
        split.forEach((s, k) => {
          expect(Number.isSafeInteger(s) && s >= 1).toBe(true);
          if (k < shares - 1) expect(s).toBeLessThanOrEqual(Math.floor((2 * rest) / (shares - k)));
          rest -= s;
        });
      }
    }
  });

  it('is a function of the seed: same seed same split, another seed (almost surely) another', async () => {
    const terms: PacketTerms = { amount: 10_000, shares: 20, split: 'lucky' };
    const a = await splitShares(await testSeed(1), terms);
    expect(await splitShares(await testSeed(1), terms)).toEqual(a);
    expect(await splitShares(await testSeed(2), terms)).not.toEqual(a);
  });

  it('equal: the remainder goes one unit each to the first shares', async () => {
    expect(await splitShares(await testSeed(0), { amount: 10, shares: 3, split: 'equal' })).toEqual([4, 3, 3]);
    expect(await splitShares(await testSeed(0), { amount: 9, shares: 3, split: 'equal' })).toEqual([3, 3, 3]);
    expect(await splitShares(await testSeed(0), { amount: 5, shares: 5, split: 'equal' })).toEqual([1, 1, 1, 1, 1]);
  });

  // Statistical: 3000 packets of 1000 units in 10 lucky shares, seeds 0..2999 (reproducible).
  // Each position's mean must be within 4 % of the fair share 100. The spread of one share is
  // at most ~100 units, so the standard error of a mean of 3000 is < 2; 4 units is > 2 σ of
  // slack while a position favoured by even 5 % would fail.
  it('every position has the same expected share (seeded, tolerance 4 % of amount/shares)', async () => {
    const packets = 3000;
    const terms: PacketTerms = { amount: 1000, shares: 10, split: 'lucky' };
    const sums = new Array<number>(terms.shares).fill(0);
    for (let i = 0; i < packets; i++) (await splitShares(await testSeed(i), terms)).forEach((s, k) => (sums[k]! += s));
    const fair = terms.amount / terms.shares;
    for (const sum of sums) expect(Math.abs(sum / packets - fair)).toBeLessThan(0.04 * fair);
  });
});

describe('verifySplit', () => {
  const terms: PacketTerms = { amount: 500, shares: 5, split: 'lucky' };

  it('accepts the revealed seed and the shares it gives', async () => {
    const seed = await testSeed(7);
    const shares = await splitShares(seed, terms);
    const check = await verifySplit({ ...terms, commit: await seedCommitment(seed) }, seed, shares.slice(0, 3).map((amount, share) => ({ share, amount })));
    expect(check).toEqual({ ok: true, shares });
  });

  it('detects a tampered reveal and a tampered share', async () => {
    const seed = await testSeed(8);
    const commit = await seedCommitment(seed);
    const shares = await splitShares(seed, terms);
    const claims = shares.map((amount, share) => ({ share, amount }));
    const other = await testSeed(9);
    expect(await verifySplit({ ...terms, commit }, other, claims)).toMatchObject({ ok: false, problem: 'bad-seed' });
    const tampered = claims.map((c, i) => (i === 2 ? { ...c, amount: c.amount + 1 } : c));
    expect(await verifySplit({ ...terms, commit }, seed, tampered)).toMatchObject({ ok: false, problem: 'bad-share' });
    expect(await verifySplit({ ...terms, commit }, seed, [claims[0]!, claims[0]!])).toMatchObject({ ok: false, problem: 'bad-share' });
    expect(await verifySplit({ ...terms, commit }, seed, [{ share: 9, amount: 1 }])).toMatchObject({ ok: false, problem: 'bad-share' });
  });
});

describe('checkPacketTerms', () => {
  it('refuses bad shares, amounts and modes with typed refusals', () => {
    const code = (amount: unknown, shares: unknown, split: unknown = 'lucky') => checkPacketTerms({ amount, shares, split })?.code ?? null;
    expect(code(100, 10)).toBeNull();
    expect(code(100, 10, 'equal')).toBeNull();
    expect(code(100, 0)).toBe('bad-packet');
    expect(code(100, -1)).toBe('bad-packet');
    expect(code(100, 2.5)).toBe('bad-packet');
    expect(code(100, '3')).toBe('bad-packet');
    expect(code(5, 6)).toBe('bad-packet');
    expect(code(1000, MAX_SHARES + 1)).toBe('bad-packet');
    expect(code(100, 10, 'random')).toBe('bad-packet');
    expect(code(0, 1)).toBe('bad-amount');
    expect(code(MAX_AMOUNT + 1, 1)).toBe('bad-amount');
    expect(code(1.5, 1)).toBe('bad-amount');
  });
});

describe('claim capability', () => {
  it('is per packet and per conversation, and only its hash is published', async () => {
    const conv = new Uint8Array(32).fill(1);
    const a = await deriveClaimSecret(conv, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(a).toHaveLength(32);
    expect(await deriveClaimSecret(conv, 'AAAAAAAAAAAAAAAAAAAAAA')).toEqual(a);
    expect(await deriveClaimSecret(conv, 'BBBBBBBBBBBBBBBBBBBBBB')).not.toEqual(a);
    expect(await deriveClaimSecret(new Uint8Array(32).fill(2), 'AAAAAAAAAAAAAAAAAAAAAA')).not.toEqual(a);
    expect(await claimCapabilityHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
