// Checks a Web Push subscription that a client hands the relay, before anything is stored.
//
// The relay will POST to the endpoint, so the endpoint is an outbound request a stranger chooses:
// only https on the default port, to a DNS name that looks public (no IP literals, no single-label
// or .local/.internal names, no credentials), so the relay cannot be aimed at services on its own
// network. Real push services (FCM, Mozilla autopush, Apple, WNS) all satisfy this. Tests turn on
// `allowLoopbackHttp` to reach a stand-in push service on 127.0.0.1 over plain http.
//
// Residual risk, documented in docs/threat-model.md: a public name can resolve to a private
// address (DNS rebinding). What is sent there is one fixed-size encrypted POST with no content.
import { createECDH } from 'node:crypto';
import { fromBase64Url } from '../../src/core/bytes.ts';

export const MAX_ENDPOINT_LENGTH = 1024;

export interface PushSubscriptionInput {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export type SubscriptionCheck =
  | { ok: true; value: PushSubscriptionInput }
  | { ok: false; code: 'bad-endpoint' | 'bad-keys' | 'too-large'; message: string };

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const PRIVATE_SUFFIXES = ['.local', '.localhost', '.internal', '.lan', '.home.arpa', '.invalid', '.test'];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function endpointProblem(text: string, allowLoopbackHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'the push endpoint is not a URL';
  }
  if (url.username || url.password) return 'the push endpoint must not carry credentials';
  const host = url.hostname.toLowerCase();
  if (allowLoopbackHttp && LOOPBACK.has(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return null;
  if (url.protocol !== 'https:') return 'the push endpoint must be an https URL';
  if (url.port !== '') return 'the push endpoint must use the default https port';
  if (IPV4.test(host) || host.startsWith('[')) return 'the push endpoint must name a host, not an IP address';
  if (!host.includes('.') || PRIVATE_SUFFIXES.some((s) => host.endsWith(s))) return 'the push endpoint must be a public host name';
  return null;
}

function keyProblem(p256dh: string, auth: string): string | null {
  const pub = /^[A-Za-z0-9_-]+$/.test(p256dh) ? fromBase64Url(p256dh) : null;
  if (!pub || pub.length !== 65 || pub[0] !== 0x04) return 'p256dh must be an uncompressed P-256 public key (65 bytes, base64url)';
  try {
    // Throws for bytes that are not a point on the curve; a bad key would fail every push later.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(pub);
  } catch {
    return 'p256dh is not a point on P-256';
  }
  const secret = /^[A-Za-z0-9_-]+$/.test(auth) ? fromBase64Url(auth) : null;
  if (!secret || secret.length !== 16) return 'auth must be a 16-byte secret (base64url)';
  return null;
}

/** Pure apart from the curve check; refusals are values with the error code the client gets. */
export function checkSubscription(input: PushSubscriptionInput, opts: { allowLoopbackHttp: boolean }): SubscriptionCheck {
  if (input.endpoint.length > MAX_ENDPOINT_LENGTH) return { ok: false, code: 'too-large', message: `the push endpoint may be at most ${MAX_ENDPOINT_LENGTH} characters` };
  const endpoint = endpointProblem(input.endpoint, opts.allowLoopbackHttp);
  if (endpoint) return { ok: false, code: 'bad-endpoint', message: endpoint };
  const keys = keyProblem(input.p256dh, input.auth);
  if (keys) return { ok: false, code: 'bad-keys', message: keys };
  return { ok: true, value: { endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth } };
}
