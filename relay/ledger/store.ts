// The seam between settlement and where the ledger keeps its data. SQLite (one relay, the
// default) and in-memory adapters implement it today; PostgreSQL (a cluster) will. Every adapter
// runs the conformance suite (conformance.ts); both settle through the same `settleInTx`
// (settle-tx.ts), so the rules live in one place and an adapter only stores.
//
// Contract:
// - Requests reaching `settleBatch` are well-formed transfers whose signatures were verified
//   (settlement.ts does both first). The store applies the ledger rules itself (src/core/ledger
//   applyTransfer), so it never settles what the rules refuse.
// - `settleBatch` applies its requests in order inside ONE transaction and resolves only once
//   that transaction is durable (group commit). Nothing is acknowledged before that.
// - Idempotency: a transfer id seen again with the same content (same hash) answers with the
//   original leaf index and checkpoint (`duplicate`); the same id, or the same (payer, seq),
//   with other content is a `conflict`, and the conflicting signed transfer is kept as evidence
//   (at most MAX_EVIDENCE_PER_PAYER per payer, so a payer cannot fill the disk with them).
// - Every settled transfer is the next leaf of the RFC 6962 log. A batch that appends leaves
//   also stores a checkpoint of the new tree, signed with the ledger key inside the same
//   transaction; checkpoint times never decrease.
// - Nothing is cached across transactions: each batch reads the state it needs inside its own
//   transaction, so another process (the `mint` command) may settle into the same database.
import type { AccountState } from '../../src/core/ledger/rules.ts';
import type { Refusal } from '../../src/core/ledger/refusal.ts';
import type { SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import type { SignedTransfer } from '../../src/core/ledger/transfer.ts';
import type { AccountId } from '../../src/core/ids.ts';

export const MAX_EVIDENCE_PER_PAYER = 100;

export interface SettleRequest {
  transfer: SignedTransfer;
  /** encodeTransfer(transfer): the leaf data, stored and served byte for byte. */
  bytes: Uint8Array;
  /** Hex SHA-256 of `bytes`. */
  hash: string;
}

export type SettleOutcome =
  | { ok: true; index: number; duplicate: boolean; checkpoint: SignedCheckpoint }
  | { ok: false; refusal: Refusal };

export interface Evidence {
  /** The conflicting signed transfer, canonical bytes. */
  bytes: Uint8Array;
  /** What it collided with: a settled transfer's id, or its payer's seq. */
  reason: 'id' | 'seq';
  received: number;
}

export interface LedgerStoreOptions {
  /** The account allowed to mint. */
  operator: AccountId;
  /** The red-packet escrow account (the ledger key's id); without it red-packet kinds are refused. */
  escrow?: AccountId;
  /** The ledger key's id, named in every checkpoint. */
  log: string;
  /** Signs checkpoint bytes with the ledger key, synchronously (inside the transaction). */
  sign: (message: Uint8Array) => Uint8Array;
}

export interface LedgerStore {
  settleBatch(requests: SettleRequest[], now: number): Promise<SettleOutcome[]>;
  account(id: string): Promise<AccountState>;
  /** Leaves in the log. */
  size(): Promise<number>;
  /** Coins minted so far: always the sum of all balances. */
  supply(): Promise<number>;
  /** The latest checkpoint, or the one issued at exactly `size`; null if there is none. */
  checkpoint(size?: number): Promise<SignedCheckpoint | null>;
  /** Leaves from index `from`, at most `limit`, in order. */
  entries(from: number, limit: number): Promise<Uint8Array[]>;
  /** Transfers paid or received by `account` with index < `before`, newest first. */
  history(account: string, before: number, limit: number): Promise<{ index: number; bytes: Uint8Array }[]>;
  /** Audit path of leaf `index` in the tree of `size` leaves; null unless index < size ≤ log size. */
  inclusionProof(index: number, size: number): Promise<Uint8Array[] | null>;
  /** Consistency proof between tree sizes; null unless from ≤ to ≤ log size. */
  consistencyProof(from: number, to: number): Promise<Uint8Array[] | null>;
  evidence(limit: number): Promise<Evidence[]>;
  close(): Promise<void>;
}
