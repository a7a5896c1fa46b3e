import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toBase64Url, toHex } from './bytes.ts';
import { hkdf } from './crypto.ts';
import { capabilityHash, deriveDocKeys, LABELS } from './derive.ts';

describe('HKDF-SHA-256', () => {
  it('matches RFC 5869 test case 1', async () => {
    const ikm = fromHex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
    const salt = fromHex('000102030405060708090a0b0c');
    const info = fromHex('f0f1f2f3f4f5f6f7f8f9');
    const okm = await hkdf(ikm, salt, info, 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});

describe('document keys', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('derive the pinned vectors, computed once with node:crypto (a change here breaks every existing conversation)', async () => {
    const keys = await deriveDocKeys(secret);
    expect(keys.roomId).toBe('9b180902f97546fd833768d037790f82');
    expect(keys.webrtcPassword).toBe('VIp2DvbJNJWR8HuibjatiTx7hal1F3SDJRzvzvK-5Ro');
    expect(toHex(keys.sealKey)).toBe('95e3575ea2781a7231e626cc1396af0c8b240987092027cceb1cd2c3335a49e0');
    expect(keys.capability).toBe('usjCME9JSGobJMgfRyTO7GGLxuK8pZWmb-Tg6anCsVg');
  });

  it('agree with an independent HKDF (node:crypto) for every label', async () => {
    const keys = await deriveDocKeys(secret);
    const node = (label: string, len: number) => new Uint8Array(hkdfSync('sha256', secret, 'floe/v1', label, len));
    expect(keys.roomId).toBe(toHex(node(LABELS.room, 16)));
    expect(keys.webrtcPassword).toBe(toBase64Url(node(LABELS.webrtcPassword, 32)));
    expect(keys.sealKey).toEqual(node(LABELS.sealKey, 32));
    expect(keys.capability).toBe(toBase64Url(node(LABELS.capability, 32)));
  });

  it('gives unrelated values for each purpose and each secret', async () => {
    const a = await deriveDocKeys(secret);
    const b = await deriveDocKeys(secret.map((x) => x ^ 1));
    const all = [a.roomId, a.webrtcPassword, toHex(a.sealKey), a.capability, b.roomId, b.capability];
    expect(new Set(all).size).toBe(all.length);
    expect(await capabilityHash(a.capability)).toMatch(/^[0-9a-f]{64}$/);
    expect(await capabilityHash(a.capability)).not.toContain(a.capability);
  });

  it('refuses a secret of the wrong size', async () => {
    await expect(deriveDocKeys(new Uint8Array(31))).rejects.toThrow(RangeError);
  });
});
