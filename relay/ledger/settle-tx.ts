// One settlement batch, applied through a small synchronous view of the storage (`LedgerTx`)
// that each adapter implements inside its transaction. This is where idempotency, conflicts,
// the rules, the log and the checkpoint meet; see store.ts for the contract it fulfils.
//
// Invariants:
// - A refused request writes nothing, except the evidence of a conflict.
// - Leaves get consecutive indices from the log's size; every node that a leaf completes is
//   written with it (its `tree`), so any complete subtree can be read back for proofs.
// - If the batch appended anything, exactly one checkpoint is written, covering the new size,
//   with time = max(now, previous checkpoint's time).
import { hash } from 'node:crypto';
import { toBase64Url, toHex } from '../../src/core/bytes.ts';
import { checkpointSigningBytes, type Checkpoint, type SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import { completedNodes, leafPreimage, rootAt, type NodeReader } from '../../src/core/ledger/merkle.ts';
import { applyTransfer, type AccountState } from '../../src/core/ledger/rules.ts';
import { MAX_EVIDENCE_PER_PAYER, type LedgerStoreOptions, type SettleOutcome, type SettleRequest } from './store.ts';

/**
 * One-shot SHA-256 (node:crypto `hash`): no Hash object per call. Those are native objects with
 * weak handles, and the dozen a batch made cost every young-generation GC a pass over them.
 */
export function sha256(data: Uint8Array): Uint8Array {
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

export const sha256Hex = (data: Uint8Array): string => hash('sha256', data, 'hex');

/** The index of the node at `level` in leaf `leaf`'s tree (see LedgerTx.putTransfer): the subtree ending at that leaf. */
export const treeNodeIndex = (leaf: number, level: number): number => (leaf + 1) / 2 ** level - 1;

export interface Settled {
  index: number;
  hash: string;
}

/** What settleInTx needs from storage, all synchronous and inside one transaction. */
export interface LedgerTx {
  size(): number;
  supply(): number;
  setSupply(supply: number): void;
  byId(id: string): Settled | undefined;
  account(id: string): AccountState;
  putAccount(id: string, state: AccountState): void;
  /** `tree`: the leaf's hash, then the nodes appending it completes (levels 1, 2, …). */
  putTransfer(index: number, request: SettleRequest, tree: Uint8Array[]): void;
  /** Reads any complete subtree stored so far, including those put in this transaction. */
  readonly node: NodeReader;
  latestCheckpoint(): SignedCheckpoint | undefined;
  /** The first checkpoint whose size exceeds `index`: the one issued with that leaf's batch. */
  checkpointCovering(index: number): SignedCheckpoint;
  putCheckpoint(cp: SignedCheckpoint): void;
  evidenceCount(payer: string): number;
  putEvidence(request: SettleRequest, reason: 'id' | 'seq', now: number): void;
}

export function signCheckpointSync(opts: LedgerStoreOptions, cp: Checkpoint): SignedCheckpoint {
  return { ...cp, sig: toBase64Url(opts.sign(checkpointSigningBytes(cp))) };
}

export function settleInTx(tx: LedgerTx, requests: SettleRequest[], now: number, opts: LedgerStoreOptions): SettleOutcome[] {
  let size = tx.size();
  const startSize = size;
  let supply = tx.supply();
  // Accounts touched by this batch, written once at the end.
  const accounts = new Map<string, AccountState>();
  const account = (id: string) => accounts.get(id) ?? tx.account(id);

  const conflict = (req: SettleRequest, reason: 'id' | 'seq'): SettleOutcome => {
    if (tx.evidenceCount(req.transfer.from) < MAX_EVIDENCE_PER_PAYER) tx.putEvidence(req, reason, now);
    const message =
      reason === 'id'
        ? 'this transfer id was already used for a different transfer'
        : `the payer's seq ${req.transfer.seq} was already used by a different transfer`;
    return { ok: false, refusal: { code: 'conflict', message } };
  };

  type Pending = { index: number; duplicate: boolean };
  const outcomes = requests.map((req): SettleOutcome | Pending => {
    const t = req.transfer;
    const same = tx.byId(t.id);
    if (same) {
      // A duplicate: answered below, with the checkpoint of the batch that settled it.
      return same.hash === req.hash ? { index: same.index, duplicate: true } : conflict(req, 'id');
    }
    // Seqs are contiguous from 1, so a seq up to the payer's last is used, and by another
    // transfer: one with this content would have this id, found above.
    if (t.seq >= 1 && t.seq <= account(t.from).seq) return conflict(req, 'seq');
    const applied = applyTransfer(t, req.hash, account(t.from), account(t.to), supply, opts.operator, opts.escrow);
    if (!applied.ok) return applied;
    accounts.set(t.from, applied.value.payer);
    accounts.set(t.to, applied.value.payee);
    supply = applied.value.supply;
    const leaf = sha256(leafPreimage(req.bytes));
    tx.putTransfer(size, req, [leaf, ...completedNodes(tx.node, size, leaf, sha256).map((n) => n.hash)]);
    return { index: size++, duplicate: false };
  });

  for (const [id, state] of accounts) tx.putAccount(id, state);
  let checkpoint: SignedCheckpoint | undefined;
  if (size > startSize) {
    tx.setSupply(supply);
    const last = tx.latestCheckpoint();
    checkpoint = signCheckpointSync(opts, { v: 1, log: opts.log, size, root: toHex(rootAt(tx.node, size, sha256)), time: Math.max(now, last?.time ?? 0) });
    tx.putCheckpoint(checkpoint);
  }
  return outcomes.map((o) => {
    if ('ok' in o) return o;
    const covering = checkpoint && o.index >= startSize ? checkpoint : tx.checkpointCovering(o.index);
    return { ok: true, index: o.index, duplicate: o.duplicate, checkpoint: covering };
  });
}
