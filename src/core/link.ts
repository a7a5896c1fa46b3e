// Device linking: moving the account's keys to a new device through a short-lived rendezvous
// room on the relay, approved on the existing device after both screens show the same short
// authentication string (SAS).
//
// 1. The existing device makes a random 80-bit link code (shown as XXXX-XXXX-XXXX-XXXX and as a
//    QR code). HKDF of it gives the rendezvous room, its capability and a sealing key; it posts
//    an offer (expiry, account nickname) sealed under that key.
// 2. The new device, given the code, reads the room: no offer → wrong code; expired → refused;
//    a request or answer already there → the code was used. Otherwise it posts a request: its
//    device keys, name and an ephemeral X25519 key, sealed under the code key.
// 3. Both show the SAS, derived from the code key and the exact request; the person compares
//    them and approves on the existing device, which answers with the account's secrets sealed
//    under HKDF(ECDH(its ephemeral, the request's ephemeral), code key).
// Everything on the relay is sealed under the code key; the answer additionally needs one of the
// two ephemeral private keys, which are gone once linking ends, so nothing usable stays there.
import * as v from 'valibot';
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.ts';
import { canonicalBytes } from './canonical.ts';
import { agree, generateAgreementKeyPair, hkdf, keyFromId, open, seal } from './crypto.ts';
import { fail, ok, type Result } from './errors.ts';
import type { RoomId } from './ids.ts';
import { DeviceCertificateSchema } from './message.ts';

export const LINK_TTL_MS = 10 * 60_000;
const CODE_BYTES = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

export function encodeLinkCode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >> bits) & 31];
    }
  }
  return out.match(/.{1,4}/g)!.join('-');
}

/** Forgiving about case, spaces, dashes and the letters people confuse with digits. */
export function decodeLinkCode(text: string): Uint8Array | null {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== (CODE_BYTES * 8) / 5) return null;
  const out = new Uint8Array(CODE_BYTES);
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of clean) {
    const d = ALPHABET.indexOf(ch);
    if (d < 0) return null;
    value = ((value << 5) | d) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

export interface LinkKeys {
  room: RoomId;
  cap: string;
  key: Uint8Array;
}

export async function linkKeys(code: Uint8Array): Promise<LinkKeys> {
  const salt = utf8('floe/v1/link');
  const [room, cap, key] = await Promise.all([hkdf(code, salt, 'room', 16), hkdf(code, salt, 'cap', 32), hkdf(code, salt, 'key', 32)]);
  return { room: toHex(room) as RoomId, cap: toBase64Url(cap), key };
}

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const OfferSchema = v.object({ t: v.literal('offer'), exp: v.number(), name: v.pipe(v.string(), v.maxLength(64)) });
const RequestSchema = v.object({
  t: v.literal('request'),
  device: keyId,
  x: keyId,
  e: keyId,
  name: v.pipe(v.string(), v.maxLength(64)),
});
const AnswerSchema = v.object({ t: v.literal('answer'), e: keyId, box: v.string() });
const DeclineSchema = v.object({ t: v.literal('decline') });
export const LinkEntrySchema = v.variant('t', [OfferSchema, RequestSchema, AnswerSchema, DeclineSchema]);
export type LinkEntry = v.InferOutput<typeof LinkEntrySchema>;
export type LinkRequest = v.InferOutput<typeof RequestSchema>;

/** What the existing device hands over: enough to be the account on the new device. */
export const GrantSchema = v.object({
  v: v.literal(1),
  account: keyId,
  accountPrivateKey: v.string(),
  accountX25519Public: v.string(),
  accountX25519Private: v.string(),
  accountDocSecret: v.string(),
  certificate: DeviceCertificateSchema,
  created: v.number(),
});
export type Grant = v.InferOutput<typeof GrantSchema>;

const AAD = utf8('floe/v1/link-entry');

export async function sealEntry(keys: LinkKeys, entry: LinkEntry): Promise<Uint8Array> {
  return seal(keys.key, canonicalBytes(entry), AAD);
}

/** null for anything that is not a well-formed entry under this code. */
export async function openEntry(keys: LinkKeys, body: Uint8Array): Promise<LinkEntry | null> {
  const plain = await open(keys.key, body, AAD);
  if (!plain) return null;
  try {
    const parsed = v.safeParse(LinkEntrySchema, JSON.parse(fromUtf8(plain)));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}

/** Six digits both screens show; an attacker who raced the request cannot make them match. */
export async function shortAuthString(keys: LinkKeys, request: LinkRequest): Promise<string> {
  const h = await hkdf(keys.key, canonicalBytes(request), 'floe/v1/link-sas', 4);
  const n = (((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0) % 1_000_000;
  const s = n.toString().padStart(6, '0');
  return `${s.slice(0, 3)} ${s.slice(3)}`;
}

/** The new device judges the room it found under a code. */
export function judgeRoom(entries: LinkEntry[], now: number): Result<Extract<LinkEntry, { t: 'offer' }>> {
  const offer = entries.find((e): e is Extract<LinkEntry, { t: 'offer' }> => e.t === 'offer');
  if (!offer) return fail('link/wrong-code', 'No device is showing this link code. Check the code and try again.');
  if (entries.some((e) => e.t !== 'offer')) return fail('link/used', 'This link code was already used. Make a new one on your other device.');
  if (offer.exp <= now) return fail('link/expired', 'This link code has expired. Make a new one on your other device.');
  return ok(offer);
}

async function answerKey(keys: LinkKeys, dh: Uint8Array): Promise<Uint8Array> {
  return hkdf(dh, keys.key, 'floe/v1/link-answer', 32);
}

export async function makeRequest(device: { device: string; x: string; name: string }): Promise<{ request: LinkRequest; ephemeralPrivate: Uint8Array }> {
  const eph = await generateAgreementKeyPair();
  return { request: { t: 'request', device: device.device, x: device.x, e: toBase64Url(eph.publicKey), name: device.name }, ephemeralPrivate: eph.privateKey };
}

export async function makeAnswer(keys: LinkKeys, request: LinkRequest, grant: Grant): Promise<LinkEntry> {
  const eph = await generateAgreementKeyPair();
  const k = await answerKey(keys, await agree(eph.privateKey, keyFromId(request.e)!));
  const box = await seal(k, canonicalBytes(grant), utf8(request.device));
  return { t: 'answer', e: toBase64Url(eph.publicKey), box: toBase64Url(box) };
}

export async function openAnswer(keys: LinkKeys, request: LinkRequest, ephemeralPrivate: Uint8Array, answer: Extract<LinkEntry, { t: 'answer' }>): Promise<Result<Grant>> {
  const damaged = () => fail<Grant>('link/damaged', 'The answer from your other device could not be read. Try linking again.');
  const box = fromBase64Url(answer.box);
  if (!box) return damaged();
  let k: Uint8Array;
  try {
    k = await answerKey(keys, await agree(ephemeralPrivate, keyFromId(answer.e)!));
  } catch {
    return damaged();
  }
  const plain = await open(k, box, utf8(request.device));
  if (!plain) return damaged();
  try {
    const parsed = v.safeParse(GrantSchema, JSON.parse(fromUtf8(plain)));
    if (!parsed.success || parsed.output.certificate.device !== request.device || parsed.output.certificate.x !== request.x) return damaged();
    return ok(parsed.output);
  } catch {
    return damaged();
  }
}
