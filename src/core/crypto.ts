// Thin, typed wrappers over WebCrypto (the same API in browsers and Node 20+). No hand-written
// crypto lives here: only key formats and the few operations Floe uses.
import { buf, concatBytes, fromBase64Url, toBase64Url } from './bytes.ts';

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export interface SigningKeyPair {
  publicKey: Uint8Array; // raw 32 bytes
  privateKey: Uint8Array; // PKCS#8
}
export type AgreementKeyPair = SigningKeyPair;

async function generate(algorithm: 'Ed25519' | 'X25519'): Promise<SigningKeyPair> {
  const usages: KeyUsage[] = algorithm === 'Ed25519' ? ['sign', 'verify'] : ['deriveBits'];
  const pair = (await subtle().generateKey({ name: algorithm }, true, usages)) as CryptoKeyPair;
  return {
    publicKey: new Uint8Array(await subtle().exportKey('raw', pair.publicKey)),
    privateKey: new Uint8Array(await subtle().exportKey('pkcs8', pair.privateKey)),
  };
}

export const generateSigningKeyPair = () => generate('Ed25519');
export const generateAgreementKeyPair = () => generate('X25519');

// Imported keys are cached: importKey costs more than the signature itself.
const privateCache = new Map<string, Promise<CryptoKey>>();
const publicCache = new Map<string, Promise<CryptoKey>>();

function cached(cache: Map<string, Promise<CryptoKey>>, key: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size > 4096) cache.clear();
    hit = make();
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

const importPrivate = (pkcs8: Uint8Array, algorithm: 'Ed25519' | 'X25519') =>
  cached(privateCache, algorithm + toBase64Url(pkcs8), () =>
    subtle().importKey('pkcs8', buf(pkcs8), { name: algorithm }, false, algorithm === 'Ed25519' ? ['sign'] : ['deriveBits']),
  );

const importPublic = (raw: Uint8Array, algorithm: 'Ed25519' | 'X25519') =>
  cached(publicCache, algorithm + toBase64Url(raw), () =>
    subtle().importKey('raw', buf(raw), { name: algorithm }, true, algorithm === 'Ed25519' ? ['verify'] : []),
  );

export async function sign(privateKey: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const key = await importPrivate(privateKey, 'Ed25519');
  return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, key, buf(data)));
}

/** Never throws for hostile input: a malformed key or signature simply does not verify. */
export async function verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = await importPublic(publicKey, 'Ed25519');
    return await subtle().verify({ name: 'Ed25519' }, key, buf(signature), buf(data));
  } catch {
    return false;
  }
}

/** X25519 shared secret (32 bytes). Throws on a malformed or low-order public key. */
export async function agree(privateKey: Uint8Array, peerPublic: Uint8Array): Promise<Uint8Array> {
  const priv = await importPrivate(privateKey, 'X25519');
  const pub = await importPublic(peerPublic, 'X25519');
  return new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pub }, priv, 256));
}

/** HKDF-SHA-256 (RFC 5869). */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string | Uint8Array, length: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(typeof info === 'string' ? new TextEncoder().encode(info) : info) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', buf(data)));
}

const NONCE_BYTES = 12;

/** AES-256-GCM; output is nonce ‖ ciphertext ‖ tag. `aad` binds the ciphertext to its context. */
export async function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array> {
  const iv = nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(plaintext));
  return concatBytes(iv, new Uint8Array(ct));
}

/** Returns null when the box was tampered with, truncated or sealed under another key. */
export async function open(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null> {
  if (box.length < NONCE_BYTES + 16) return null;
  try {
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
    const pt = await subtle().decrypt(
      { name: 'AES-GCM', iv: buf(box.subarray(0, NONCE_BYTES)), additionalData: buf(aad) },
      k,
      buf(box.subarray(NONCE_BYTES)),
    );
    return new Uint8Array(pt);
  } catch {
    return null;
  }
}

export const keyFromId = (id: string): Uint8Array | null => {
  const bytes = fromBase64Url(id);
  return bytes && bytes.length === 32 ? bytes : null;
};
