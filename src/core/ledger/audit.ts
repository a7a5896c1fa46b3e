// What a client checks about the relay's ledger before believing it: receipts, inclusion of a
// transfer in a checkpoint, consistency between two checkpoints, and whether two checkpoints
// (its own and a contact's, passed along in chat) could come from one honest log.
//
// Invariants:
// - The relay is untrusted here: every function takes what the relay sent as `unknown` or as a
//   value to re-check, and answers with a verdict; a failed check is a value, never a throw.
// - A client pins the ledger key (`log`) the first time it talks to a relay's ledger; anything
//   signed by another key is `wrong-log`, never silently accepted.
// - `split-view` is only reported with evidence a third party can check: two checkpoints signed
//   by the same key that cannot both be prefixes of one log (same size, different roots), or a
//   consistency proof the relay served that does not verify.
import * as v from 'valibot';
import { fromHex } from '../bytes.ts';
import { CheckpointSchema, checkpointSignatureValid, ReceiptSchema, receiptSignatureValid, type Receipt, type SignedCheckpoint } from './checkpoint.ts';
import { leafHash, verifyConsistencyProof, verifyInclusionProof } from './merkle.ts';
import { encodeTransfer, transferHash, type SignedTransfer } from './transfer.ts';

export type AuditProblem =
  /** Not a checkpoint / receipt at all. */
  | 'malformed'
  | 'bad-signature'
  /** Signed by a key other than the pinned ledger key. */
  | 'wrong-log'
  /** Well signed, but about another transfer, or internally impossible (index ≥ size). */
  | 'mismatch'
  /** A Merkle proof that does not verify. */
  | 'bad-proof'
  /** Two checkpoints of one log that cannot both be honest. */
  | 'split-view';

export type Audited<T> = { ok: true; value: T } | { ok: false; problem: AuditProblem; message: string };

const fail = <T = never>(problem: AuditProblem, message: string): Audited<T> => ({ ok: false, problem, message });

/** Shape, pinned key and signature of a checkpoint. */
export async function verifyCheckpoint(input: unknown, log: string): Promise<Audited<SignedCheckpoint>> {
  const parsed = v.safeParse(CheckpointSchema, input);
  if (!parsed.success) return fail('malformed', 'not a ledger checkpoint');
  const cp = parsed.output as SignedCheckpoint;
  if (cp.log !== log) return fail('wrong-log', 'this checkpoint is signed for another ledger');
  if (!(await checkpointSignatureValid(cp))) return fail('bad-signature', "the checkpoint's signature does not verify");
  return { ok: true, value: cp };
}

/**
 * Shape, pinned key, both signatures (receipt and its checkpoint), index within the checkpoint,
 * and, when `transfer` is given, that the receipt is about exactly that transfer.
 */
export async function verifyReceipt(input: unknown, expected: { log: string; transfer?: SignedTransfer }): Promise<Audited<Receipt>> {
  const parsed = v.safeParse(ReceiptSchema, input);
  if (!parsed.success) return fail('malformed', 'not a ledger receipt');
  const receipt = parsed.output as Receipt;
  const cp = await verifyCheckpoint(receipt.checkpoint, expected.log);
  if (!cp.ok) return cp;
  if (!(await receiptSignatureValid(receipt))) return fail('bad-signature', "the receipt's signature does not verify");
  if (receipt.index >= receipt.checkpoint.size) return fail('mismatch', 'the receipt names a leaf outside its own checkpoint');
  if (expected.transfer) {
    if (receipt.id !== expected.transfer.id) return fail('mismatch', 'the receipt is for another transfer id');
    if (receipt.hash !== (await transferHash(expected.transfer))) return fail('mismatch', 'the receipt is for different transfer content');
  }
  return { ok: true, value: receipt };
}

/**
 * Is `transfer` leaf `receipt.index` of the tree that `checkpoint` (by default the receipt's
 * own) signs? `proof` is the relay's answer to `inclusion {index, size: checkpoint.size}`.
 * Both receipt and checkpoint must have been verified already.
 */
export async function verifyInclusion(
  receipt: Receipt,
  transfer: SignedTransfer,
  proof: Uint8Array[],
  checkpoint: SignedCheckpoint = receipt.checkpoint,
): Promise<Audited<true>> {
  if (receipt.id !== transfer.id || receipt.hash !== (await transferHash(transfer))) return fail('mismatch', 'the receipt is for another transfer');
  if (checkpoint.log !== receipt.checkpoint.log) return fail('wrong-log', 'the checkpoint is of another ledger');
  const leaf = await leafHash(encodeTransfer(transfer));
  const good = await verifyInclusionProof(receipt.index, checkpoint.size, leaf, proof, fromHex(checkpoint.root));
  return good ? { ok: true, value: true } : fail('bad-proof', 'the inclusion proof does not verify: the log does not hold this transfer where the receipt says');
}

export type CheckpointRelation =
  | { kind: 'same' }
  /** Sizes differ: ask the relay for `consistency {from: older.size, to: newer.size}`. */
  | { kind: 'needs-proof'; older: SignedCheckpoint; newer: SignedCheckpoint }
  /** Same size, different roots, both validly signed: proof that the relay forked its log. */
  | { kind: 'split-view'; evidence: [SignedCheckpoint, SignedCheckpoint] };

/** Relates two checkpoints already verified under the same pinned key. Pure. */
export function relateCheckpoints(a: SignedCheckpoint, b: SignedCheckpoint): CheckpointRelation {
  if (a.size === b.size) return a.root === b.root ? { kind: 'same' } : { kind: 'split-view', evidence: [a, b] };
  return a.size < b.size ? { kind: 'needs-proof', older: a, newer: b } : { kind: 'needs-proof', older: b, newer: a };
}

/**
 * Does `proof` (the relay's `consistency` answer) show that `older` is a prefix of `newer`?
 * Both must be verified under the same pinned key. A failure means the relay showed two
 * histories that cannot both be true: keep both checkpoints as evidence and tell the user.
 */
export async function verifyConsistency(older: SignedCheckpoint, newer: SignedCheckpoint, proof: Uint8Array[]): Promise<Audited<true>> {
  if (older.log !== newer.log) return fail('wrong-log', 'the checkpoints are of different ledgers');
  if (older.size > newer.size) return fail('mismatch', 'the older checkpoint is larger than the newer one');
  const good = await verifyConsistencyProof(older.size, newer.size, fromHex(older.root), fromHex(newer.root), proof);
  return good ? { ok: true, value: true } : fail('split-view', 'the relay cannot prove that its newer log extends the older one');
}
