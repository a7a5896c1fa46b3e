// The settlement rules: when a well-formed, signed transfer may change balances, and how.
// The relay applies them inside its settlement transaction; `ledger verify`, auditors and the
// app's own replay apply the same functions to the log, so a balance means the same everywhere.
//
// Invariants:
// - Pure and synchronous: state in, state or refusal out. Signatures are checked elsewhere
//   (verifyTransferSignature) because they cost the most and batch well.
// - A refusal changes nothing: the returned states are new objects, inputs are never mutated.
// - Balances never go negative, and the sum of all balances equals the supply (the sum of all
//   mints), which never exceeds MAX_SUPPLY; so every number stays a safe integer.
// - A payer's settled transfers have seq 1, 2, 3, … and each one's `prev` is the hash of the one
//   before (ZERO_HASH for the first): the payer's history is a hash chain nobody can reorder.
import type { AccountId } from '../ids.ts';
import { checkRedPacketTransfer, isRedPacketKind } from './redpacket-kinds.ts';
import { refuse, type Checked, type Refusal } from './refusal.ts';
import { KNOWN_KINDS, MAX_SUPPLY, ZERO_HASH, type SignedTransfer } from './transfer.ts';

export interface AccountState {
  balance: number;
  /** Seq of the account's last settled transfer as payer; 0 before the first. */
  seq: number;
  /** Hash of that transfer (hex), ZERO_HASH before the first: the next transfer's `prev`. */
  head: string;
}

export const EMPTY_ACCOUNT: Readonly<AccountState> = Object.freeze({ balance: 0, seq: 0, head: ZERO_HASH });

/** A chat message id (MessageId): 16 bytes, base64url. */
const MESSAGE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Rules that need only the transfer and who the operator (and the red-packet escrow) is: the
 * kind is known, payer and payee differ, only the operator mints, and `ref`/`data` fit the kind.
 * Without an escrow account, red-packet kinds are unknown; with one, the escrow takes part in
 * red-packet transfers only (redpacket-kinds.ts), so its balance is always what packets hold.
 */
export function checkTransfer(t: SignedTransfer, operator: AccountId, escrow?: AccountId): Refusal | null {
  if (!(KNOWN_KINDS as readonly string[]).includes(t.kind) || (isRedPacketKind(t.kind) && escrow === undefined)) {
    return { code: 'unknown-kind', message: `this relay does not settle "${t.kind}" transfers` };
  }
  if (t.from === t.to) return { code: 'self-transfer', message: 'the payer and the payee must differ' };
  if (escrow !== undefined && isRedPacketKind(t.kind)) return checkRedPacketTransfer(t, escrow);
  if (escrow !== undefined && (t.from === escrow || t.to === escrow)) return { code: 'bad-request', message: 'the escrow account takes part in red packets only' };
  if (t.kind === 'mint' && t.from !== operator) return { code: 'not-operator', message: "only the relay's operator may mint coins" };
  if (t.data !== undefined) return { code: 'bad-request', message: `a ${t.kind} carries no data` };
  if (t.kind === 'tip') {
    if (t.ref === undefined || !MESSAGE_ID.test(t.ref)) return { code: 'bad-request', message: 'a tip must name the chat message it tips (ref)' };
  } else if (t.ref !== undefined) {
    return { code: 'bad-request', message: `a ${t.kind} carries no ref` };
  }
  return null;
}

export interface Effect {
  payer: AccountState;
  payee: AccountState;
  supply: number;
}

/**
 * Applies a transfer whose signature was verified, given the payer's and payee's states and the
 * supply before it. `hash` is transferHash(t). Checks every rule, the stateless ones included,
 * so a store that calls only this cannot settle a transfer the rules refuse.
 */
export function applyTransfer(t: SignedTransfer, hash: string, payer: AccountState, payee: AccountState, supply: number, operator: AccountId, escrow?: AccountId): Checked<Effect> {
  const stateless = checkTransfer(t, operator, escrow);
  if (stateless) return { ok: false, refusal: stateless };
  if (t.seq !== payer.seq + 1) return refuse('wrong-seq', `the payer's next seq is ${payer.seq + 1}, not ${t.seq}`);
  if (t.prev !== payer.head) return refuse('wrong-prev', "prev is not the hash of the payer's previous transfer");
  const minting = t.kind === 'mint';
  if (minting && supply + t.amount > MAX_SUPPLY) return refuse('bad-amount', 'this mint would exceed the largest possible supply');
  if (!minting && payer.balance < t.amount) return refuse('overdraft', `the payer's balance (${payer.balance}) is less than ${t.amount}`);
  return {
    ok: true,
    value: {
      payer: { balance: minting ? payer.balance : payer.balance - t.amount, seq: t.seq, head: hash },
      payee: { ...payee, balance: payee.balance + t.amount },
      supply: minting ? supply + t.amount : supply,
    },
  };
}
