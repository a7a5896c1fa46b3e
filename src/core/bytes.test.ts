import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, fromBase64Url, fromHex, toBase64Url, toHex } from './bytes.ts';

describe('base64url', () => {
  it('matches Node for every length 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const ours = toBase64Url(bytes);
      expect(ours).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(ours)).toEqual(bytes);
    }
  });
  it('refuses characters outside the alphabet, bad lengths and non-canonical tails', () => {
    expect(fromBase64Url('ab+c')).toBeNull();
    expect(fromBase64Url('abc=')).toBeNull();
    expect(fromBase64Url('abcde')).toBeNull();
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64Url('AB')).toBeNull(); // same byte, stray low bits
    expect(fromBase64Url('é')).toBeNull();
  });
});

describe('hex and helpers', () => {
  it('round-trips and rejects junk', () => {
    expect(toHex(fromHex('00ff10'))).toBe('00ff10');
    expect(() => fromHex('0g')).toThrow(TypeError);
    expect(concatBytes(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  });
});
