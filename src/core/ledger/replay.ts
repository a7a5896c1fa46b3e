// Replaying a log: the balances, seqs and heads that a sequence of settled transfers implies.
// The in-memory store settles with it, `ledger verify` and the bank test recompute the relay's
// state with it, and a client may audit the log with it.
//
// Invariant: `apply` either applies a transfer completely or, with a refusal, changes nothing.
import type { AccountId } from '../ids.ts';
import type { Refusal } from './refusal.ts';
import { applyTransfer, EMPTY_ACCOUNT, type AccountState } from './rules.ts';
import type { SignedTransfer } from './transfer.ts';

export class LedgerReplay {
  private readonly accounts = new Map<string, AccountState>();
  supply = 0;
  /** Transfers applied so far: the size of the log replayed. */
  size = 0;

  /** `escrow`: the red-packet escrow account (the ledger key), if red packets are settled. */
  constructor(
    readonly operator: AccountId,
    readonly escrow?: AccountId,
  ) {}

  account(id: string): AccountState {
    return this.accounts.get(id) ?? { ...EMPTY_ACCOUNT };
  }

  /** Applies a transfer whose signature is already known to be valid. */
  apply(t: SignedTransfer, hash: string): Refusal | null {
    const r = applyTransfer(t, hash, this.account(t.from), this.account(t.to), this.supply, this.operator, this.escrow);
    if (!r.ok) return r.refusal;
    this.accounts.set(t.from, r.value.payer);
    this.accounts.set(t.to, r.value.payee);
    this.supply = r.value.supply;
    this.size++;
    return null;
  }

  /** Every account that took part in a settled transfer, in no particular order. */
  entries(): [string, AccountState][] {
    return [...this.accounts.entries()].map(([id, s]) => [id, { ...s }]);
  }
}
