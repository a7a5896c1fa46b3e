// The transfer: the one signed record of the coin ledger (docs/protocol.md, "Ledger").
//
// A transfer is written by its payer, signed with the payer's account key, and settled by the
// relay. Everything here is pure (WebCrypto for signatures and hashes, nothing else):
// the browser and the relay parse, encode and verify transfers with the same code.
//
// Invariants:
// - The signed bytes are SIGNING_CONTEXT.transfer ‖ 0x00 ‖ canonicalJson(body), where body is
//   the transfer without `sig`. The context keeps an account key's signature over a transfer
//   from ever being valid as a message, an invite or a device certificate, and vice versa.
// - The leaf data of the Merkle log, and the input of `transferHash`, is canonicalJson of the
//   whole signed transfer. `prev` of a payer's next transfer is that hash, hex.
// - `parseTransfer` is total: any input yields a transfer or a typed refusal, never a throw. It
//   refuses what cannot be a v1 transfer (`bad-request`) and bad amounts (`bad-amount`); the
//   rules about kinds, the operator and the payer's account are in rules.ts.
// - Every kind, now and later, moves `amount` from `from` to `to`, except `mint`, which credits
//   `to` and debits nobody. New kinds (red packet, purchase, membership) are new `kind` strings
//   with their own rules, using `ref` and `data`; the format does not change.
import * as v from 'valibot';
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from '../bytes.ts';
import { canonicalBytes, canonicalJson, type Canonical } from '../canonical.ts';
import { keyFromId, sha256, sign, verify } from '../crypto.ts';
import { secureRandom, type AccountId, type Random } from '../ids.ts';
import { refuse, type Checked, type Refusal } from './refusal.ts';
import { SIGNING_CONTEXT } from './signing-context.ts';

declare const transferBrand: unique symbol;
/** Client-generated: 16 random bytes, base64url (22 characters). Persisted before sending. */
export type TransferId = string & { readonly [transferBrand]: 'TransferId' };

export const TRANSFER_VERSION = 1;
/** The largest amount of one transfer, in smallest units (10^12). */
export const MAX_AMOUNT = 1_000_000_000_000;
/** Coins in existence never exceed this, so every balance and every sum stays a safe integer. */
export const MAX_SUPPLY = Number.MAX_SAFE_INTEGER;
/** A memo is free text of at most this many UTF-8 bytes. */
export const MAX_MEMO_BYTES = 280;
/** The whole signed transfer, canonically encoded, is at most this many bytes. */
export const MAX_TRANSFER_BYTES = 2048;
export const MAX_DATA_KEYS = 8;
export const MAX_DATA_STRING = 128;
/** `prev` of an account's first transfer. */
export const ZERO_HASH = '0'.repeat(64);

/** Kinds this version settles. Others parse (so they can be shown and refused by name). */
export const KNOWN_KINDS = ['mint', 'transfer', 'tip', 'redpacket', 'redpacket-claim', 'redpacket-refund'] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];

/** Prefixes that separate what the keys sign (see the invariants above); in their own module for the bundle. */
export { SIGNING_CONTEXT };

export type TransferData = Record<string, string | number>;

export interface TransferBody {
  v: 1;
  id: TransferId;
  from: AccountId;
  to: AccountId;
  amount: number;
  /** The payer's sequence number: 1 for its first transfer, then +1 each. */
  seq: number;
  /** Hex SHA-256 of the payer's previous signed transfer, ZERO_HASH for the first. */
  prev: string;
  kind: string;
  memo: string;
  /** Per kind: for `tip`, the id of the chat message tipped. */
  ref?: string;
  /** Per kind, for later kinds; v1 kinds carry none. */
  data?: TransferData;
  /** Milliseconds since the epoch, as the payer's clock said when signing. Not checked by the relay. */
  created: number;
}

export interface SignedTransfer extends TransferBody {
  /** Ed25519 by `from`'s account key, base64url (86 characters). */
  sig: string;
}

const keyId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{43}$/, 'must be an account id (43 base64url characters)'),
  v.check((s) => keyFromId(s) !== null, 'must be an account id (canonical base64url of 32 bytes)'),
);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8Bytes = (s: string) => utf8(s).length;

const TransferSchema = v.strictObject({
  v: v.literal(1),
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/, 'must be 22 base64url characters')),
  from: keyId,
  to: keyId,
  // Checked by checkAmount so that a bad amount is refused as `bad-amount`, not `bad-request`.
  amount: v.unknown(),
  seq: v.pipe(v.number(), v.safeInteger('must be a whole number'), v.minValue(1, 'must be at least 1')),
  prev: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')),
  kind: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lowercase name of at most 32 characters')),
  memo: v.pipe(
    v.string(),
    v.check((s) => !LONE_SURROGATE.test(s), 'must be well-formed text'),
    v.check((s) => utf8Bytes(s) <= MAX_MEMO_BYTES, `must be at most ${MAX_MEMO_BYTES} bytes`),
  ),
  ref: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 base64url characters'))),
  data: v.optional(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.regex(/^[a-z][A-Za-z0-9]{0,31}$/, 'keys must be short camelCase names')),
        v.union([
          v.pipe(v.string(), v.maxLength(MAX_DATA_STRING), v.check((s) => !LONE_SURROGATE.test(s), 'must be well-formed text')),
          v.pipe(v.number(), v.safeInteger()),
        ]),
      ),
      v.check((d) => Object.keys(d).length <= MAX_DATA_KEYS, `at most ${MAX_DATA_KEYS} entries`),
    ),
  ),
  created: v.pipe(v.number(), v.safeInteger('must be a whole number'), v.minValue(0)),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/, 'must be a signature (86 base64url characters)')),
});

/** Amounts are whole smallest units: a safe integer in 1..MAX_AMOUNT. */
export function checkAmount(amount: unknown): Refusal | null {
  if (amount === undefined) return { code: 'bad-amount', message: 'transfer.amount is missing' };
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return { code: 'bad-amount', message: 'the amount must be a number' };
  if (!Number.isInteger(amount)) return { code: 'bad-amount', message: 'the amount must be a whole number of smallest units' };
  if (amount <= 0) return { code: 'bad-amount', message: 'the amount must be positive' };
  if (amount > MAX_AMOUNT) return { code: 'bad-amount', message: `the amount may be at most ${MAX_AMOUNT}` };
  return null;
}

/**
 * Shape check of anything claiming to be a signed v1 transfer: a refusal for what cannot be one
 * (`bad-request`, or `bad-amount` for the amount), else the transfer. The rules that need the
 * relay's operator or the payer's account are in rules.ts.
 */
export function parseTransfer(input: unknown): Checked<SignedTransfer> {
  const parsed = parseEncodedTransfer(input);
  return parsed.ok ? { ok: true, value: parsed.value.transfer } : parsed;
}

/**
 * parseTransfer, also giving the canonical encoding it had to compute for the size check (the
 * relay stores and hashes exactly those bytes; encoding twice was a measurable share of the
 * settlement's allocations).
 */
export function parseEncodedTransfer(input: unknown): Checked<{ transfer: SignedTransfer; bytes: Uint8Array }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return refuse('bad-request', 'a transfer must be a JSON object');
  const version = (input as { v?: unknown }).v;
  if (version !== TRANSFER_VERSION) return refuse('bad-request', `unsupported transfer version ${JSON.stringify(version) ?? 'undefined'}; this relay settles version 1`);
  const amount = checkAmount((input as { amount?: unknown }).amount);
  if (amount) return { ok: false, refusal: amount };
  const parsed = v.safeParse(TransferSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue?.path?.map((p) => String(p.key)).join('.') ?? 'transfer';
    return refuse('bad-request', `transfer.${where} ${issue?.message ?? 'is invalid'}`.slice(0, 160));
  }
  const transfer = parsed.output as SignedTransfer;
  const bytes = encodeTransfer(transfer);
  if (bytes.length > MAX_TRANSFER_BYTES) return refuse('bad-request', `a transfer may be at most ${MAX_TRANSFER_BYTES} bytes`);
  return { ok: true, value: { transfer, bytes } };
}

/** The fields that are signed, as a canonical value. */
export function transferBody(t: TransferBody | SignedTransfer): TransferBody {
  const { sig: _sig, ...body } = t as SignedTransfer;
  return body;
}

const asCanonical = (x: TransferBody | SignedTransfer) => x as unknown as Canonical;

/** The exact bytes the payer signs. */
export function transferSigningBytes(t: TransferBody | SignedTransfer): Uint8Array {
  return concatBytes(utf8(SIGNING_CONTEXT.transfer), Uint8Array.of(0), canonicalBytes(asCanonical(transferBody(t))));
}

/** Canonical JSON of the whole signed transfer: the leaf data of the log, stored byte for byte. */
export const encodeTransfer = (t: SignedTransfer): Uint8Array => canonicalBytes(asCanonical(t));
export const transferJson = (t: SignedTransfer): string => canonicalJson(asCanonical(t));

/**
 * Parses leaf data (a line of an `entries` or `history` body). Refuses bytes that are not the
 * canonical encoding of what they decode to, so one transfer has exactly one byte form.
 */
export function decodeTransfer(bytes: Uint8Array): Checked<SignedTransfer> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(bytes));
  } catch {
    return refuse('bad-request', 'a transfer must be UTF-8 JSON');
  }
  const parsed = parseTransfer(json);
  if (!parsed.ok) return parsed;
  const again = encodeTransfer(parsed.value);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) return refuse('bad-request', 'a transfer must be canonically encoded');
  return parsed;
}

/**
 * 16 bytes, base64url: the creation time in milliseconds (6 bytes, big-endian), then 10 random
 * bytes (80 bits: collisions stay out of reach). Time first puts ids made close in time next to
 * each other in the relay's id index (base64url is not ASCII-ordered, but a time prefix of 48
 * bits fills 8 characters exactly, so the ids of a few seconds share a prefix), so settling a
 * batch writes a page or two of it, not one random page per transfer (docs/decisions.md #22). The time is no secret: the signed transfer carries `created` anyway.
 * The relay accepts any 16-byte id; this order only makes settling cheaper.
 */
export function newTransferId(random: Random = secureRandom, now: number = Date.now()): TransferId {
  const id = new Uint8Array(16);
  for (let i = 5, t = Math.max(0, Math.floor(now)); i >= 0; i--, t = Math.floor(t / 256)) id[i] = t % 256;
  id.set(random(10), 6);
  return toBase64Url(id) as TransferId;
}

export async function signTransfer(privateKey: Uint8Array, body: TransferBody): Promise<SignedTransfer> {
  const clean = transferBody(body);
  return { ...clean, sig: toBase64Url(await sign(privateKey, transferSigningBytes(clean))) };
}

/** True when `sig` is `from`'s signature over the transfer. Never throws. */
export async function verifyTransferSignature(t: SignedTransfer): Promise<boolean> {
  const key = keyFromId(t.from);
  const sig = fromBase64Url(t.sig);
  if (!key || !sig) return false;
  return verify(key, sig, transferSigningBytes(t));
}

/** Hex SHA-256 of the canonical signed transfer: what the payer's next `prev` must be. */
export async function transferHash(t: SignedTransfer): Promise<string> {
  return toHex(await sha256(encodeTransfer(t)));
}
