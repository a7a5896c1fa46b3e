// What the relay signs with its ledger key: checkpoints (the log's size and Merkle root at a
// moment) and receipts (this transfer is leaf `index`, covered by this checkpoint).
//
// Invariants:
// - Signed bytes are SIGNING_CONTEXT.checkpoint|receipt ‖ 0x00 ‖ canonicalJson(object without
//   `sig`). Ed25519 is deterministic, so the relay re-deriving a receipt for a replayed transfer
//   produces the very same bytes.
// - A checkpoint names its log: `log` is the ledger key's id (base64url of the Ed25519 public
//   key), so a checkpoint verifies only under the key it names, and a client pins that key.
// - A receipt embeds the checkpoint of the batch that settled the transfer: index < size.
import * as v from 'valibot';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { canonicalBytes, type Canonical } from '../canonical.ts';
import { keyFromId, sign, verify } from '../crypto.ts';
import { SIGNING_CONTEXT } from './signing-context.ts';
import type { TransferId } from './transfer.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  v: 1;
  /** The ledger key's id: who signs this log. */
  log: string;
  /** Leaves in the tree. */
  size: number;
  /** RFC 6962 tree head of those leaves, hex. */
  root: string;
  /** Milliseconds since the epoch on the relay's clock; never decreases along a log. */
  time: number;
}
export interface SignedCheckpoint extends Checkpoint {
  sig: string;
}

export interface ReceiptBody {
  v: 1;
  id: TransferId;
  /** transferHash of the settled transfer, hex. */
  hash: string;
  /** Its leaf index in the log (0-based). */
  index: number;
  /** The checkpoint issued with the batch that settled it. */
  checkpoint: SignedCheckpoint;
}
export interface Receipt extends ReceiptBody {
  sig: string;
}

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const signature = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/));

export const CheckpointSchema = v.strictObject({ v: v.literal(1), log: keyId, size: count, root: hex64, time: count, sig: signature });
export const ReceiptSchema = v.strictObject({
  v: v.literal(1),
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  hash: hex64,
  index: count,
  checkpoint: CheckpointSchema,
  sig: signature,
});

const withoutSig = <T extends { sig: string }>(x: T): Omit<T, 'sig'> => {
  const { sig: _sig, ...rest } = x;
  return rest;
};
const signingBytes = (context: string, value: object) => concatBytes(utf8(context), Uint8Array.of(0), canonicalBytes(value as Canonical));

export const checkpointSigningBytes = (cp: Checkpoint | SignedCheckpoint): Uint8Array =>
  signingBytes(SIGNING_CONTEXT.checkpoint, 'sig' in cp ? withoutSig(cp) : cp);
export const receiptSigningBytes = (r: ReceiptBody | Receipt): Uint8Array => signingBytes(SIGNING_CONTEXT.receipt, 'sig' in r ? withoutSig(r) : r);

export async function signCheckpoint(privateKey: Uint8Array, cp: Checkpoint): Promise<SignedCheckpoint> {
  return { ...cp, sig: toBase64Url(await sign(privateKey, checkpointSigningBytes(cp))) };
}

export async function signReceipt(privateKey: Uint8Array, body: ReceiptBody): Promise<Receipt> {
  return { ...body, sig: toBase64Url(await sign(privateKey, receiptSigningBytes(body))) };
}

/** Signature check only (the shape is the caller's): does `log`'s key sign this checkpoint? */
export async function checkpointSignatureValid(cp: SignedCheckpoint): Promise<boolean> {
  const key = keyFromId(cp.log);
  const sig = fromBase64Url(cp.sig);
  return !!key && !!sig && verify(key, sig, checkpointSigningBytes(cp));
}

/** Signature check only: is the receipt signed by the key of the log its checkpoint names? */
export async function receiptSignatureValid(r: Receipt): Promise<boolean> {
  const key = keyFromId(r.checkpoint.log);
  const sig = fromBase64Url(r.sig);
  return !!key && !!sig && verify(key, sig, receiptSigningBytes(r));
}
