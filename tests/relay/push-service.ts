// A stand-in push service for relay tests (RFC 8030): an HTTP server on 127.0.0.1 that records
// every push POSTed to /push/NAME and answers with the status set for NAME (201 by default).
// Plus what a browser's push stack does with a push: check the VAPID JWT (RFC 8292) and decrypt
// the body with the subscription's keys (RFC 8291, aes128gcm), written here from the RFCs with
// node:crypto so the check does not reuse the relay's library.
import { createECDH, createPublicKey, hkdfSync, createDecipheriv, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromBase64Url, toBase64Url } from '../../src/core/bytes.ts';

export interface RecordedPush {
  name: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class PushServiceStandIn {
  readonly pushes: RecordedPush[] = [];
  readonly status = new Map<string, number>();
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<PushServiceStandIn> {
    let self: PushServiceStandIn | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const name = (req.url ?? '').replace(/^\/push\//, '');
        self!.pushes.push({ name, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(self!.status.get(name) ?? 201).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new PushServiceStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  to(name: string): RecordedPush[] {
    return this.pushes.filter((p) => p.name === name);
  }

  /** Waits until `name` has received `count` pushes (then returns them all). */
  async waitFor(name: string, count = 1, ms = 10_000): Promise<RecordedPush[]> {
    const deadline = Date.now() + ms;
    while (this.to(name).length < count) {
      if (Date.now() > deadline) throw new Error(`push service: ${this.to(name).length} of ${count} pushes to ${name} in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.to(name);
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A browser's side of a subscription: a P-256 key pair and a 16-byte auth secret. */
export class BrowserSubscription {
  readonly ecdh: ECDH = createECDH('prime256v1');
  readonly auth = randomBytes(16);
  constructor(readonly endpoint: string) {
    this.ecdh.generateKeys();
  }

  get keys(): { p256dh: string; auth: string } {
    return { p256dh: toBase64Url(this.ecdh.getPublicKey()), auth: toBase64Url(this.auth) };
  }

  /** RFC 8291 §3.4 + RFC 8188: one aes128gcm record, padding delimiter 0x02. */
  decrypt(body: Buffer): Buffer {
    const salt = body.subarray(0, 16);
    const idlen = body[20]!;
    const asPublic = body.subarray(21, 21 + idlen);
    const cipher = body.subarray(21 + idlen);
    const secret = this.ecdh.computeSecret(asPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.ecdh.getPublicKey(), asPublic]);
    const ikm = Buffer.from(hkdfSync('sha256', secret, this.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(cipher.subarray(cipher.length - 16));
    const padded = Buffer.concat([decipher.update(cipher.subarray(0, cipher.length - 16)), decipher.final()]);
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (padded[end] !== 2) throw new Error('not the last record of an aes128gcm body');
    return padded.subarray(0, end);
  }
}

/**
 * RFC 8292: `Authorization: vapid t=JWT, k=KEY`. Verifies the ES256 signature with `k`, and
 * returns the key and the JWT's claims for the caller to check.
 */
export function verifyVapid(headers: IncomingHttpHeaders): { key: string; claims: { aud: string; exp: number; sub: string } } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(headers.authorization ?? '');
  if (!m) throw new Error(`no VAPID authorization header: ${headers.authorization}`);
  const [jwt, key] = [m[1]!, m[2]!];
  const [head, payload, sig] = jwt.split('.') as [string, string, string];
  const raw = fromBase64Url(key)!;
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: toBase64Url(raw.subarray(1, 33)), y: toBase64Url(raw.subarray(33, 65)) },
    format: 'jwk',
  });
  const ok = verify('sha256', Buffer.from(`${head}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, fromBase64Url(sig)!);
  if (!ok) throw new Error('VAPID JWT signature does not verify');
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg: string };
  if (header.alg !== 'ES256') throw new Error(`VAPID JWT alg ${header.alg}`);
  return { key, claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud: string; exp: number; sub: string } };
}
