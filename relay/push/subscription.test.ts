import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../src/core/bytes.ts';
import { checkSubscription, MAX_ENDPOINT_LENGTH } from './subscription.ts';

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const keys = { p256dh: toBase64Url(ecdh.getPublicKey()), auth: toBase64Url(randomBytes(16)) };
const strict = { allowLoopbackHttp: false };
const code = (endpoint: string, opts = strict, k = keys) => {
  const r = checkSubscription({ endpoint, ...k }, opts);
  return r.ok ? 'ok' : r.code;
};

describe('checkSubscription', () => {
  it("accepts the push services' https endpoints", () => {
    expect(code('https://fcm.googleapis.com/fcm/send/abc:def')).toBe('ok');
    expect(code('https://updates.push.services.mozilla.com/wpush/v2/gAAA')).toBe('ok');
    expect(code('https://web.push.apple.com/QGuQyavXutnMnOhf')).toBe('ok');
  });

  it('refuses endpoints that could aim the relay at its own network', () => {
    for (const e of [
      'http://fcm.googleapis.com/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://192.168.1.1/x',
      'https://localhost/x',
      'https://intranet/x',
      'https://printer.local/x',
      'https://svc.internal/x',
      'https://push.example.com:8080/x',
      'https://user:pw@push.example.com/x',
      'ftp://push.example.com/x',
      'not a url',
    ]) {
      expect(code(e), e).toBe('bad-endpoint');
    }
    expect(code(`https://push.example.com/${'a'.repeat(MAX_ENDPOINT_LENGTH)}`)).toBe('too-large');
  });

  it('allows http on loopback only when the test flag says so', () => {
    expect(code('http://127.0.0.1:9999/push/a')).toBe('bad-endpoint');
    expect(code('http://127.0.0.1:9999/push/a', { allowLoopbackHttp: true })).toBe('ok');
    expect(code('http://10.0.0.1:9999/push/a', { allowLoopbackHttp: true })).toBe('bad-endpoint');
  });

  it('refuses keys that are not a P-256 point and a 16-byte secret', () => {
    const e = 'https://fcm.googleapis.com/fcm/send/x';
    expect(code(e, strict, { ...keys, p256dh: toBase64Url(ecdh.getPublicKey(null, 'compressed')) })).toBe('bad-keys');
    expect(code(e, strict, { ...keys, p256dh: toBase64Url(Buffer.concat([Buffer.of(4), Buffer.alloc(64, 7)])) })).toBe('bad-keys');
    expect(code(e, strict, { ...keys, p256dh: 'not+base64/url=' })).toBe('bad-keys');
    expect(code(e, strict, { ...keys, auth: toBase64Url(randomBytes(15)) })).toBe('bad-keys');
    expect(code(e, strict, { ...keys, auth: '' })).toBe('bad-keys');
  });
});
