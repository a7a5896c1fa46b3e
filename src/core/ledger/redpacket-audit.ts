// The rules of red packets across transfers, checked by replaying the log in order: what
// `ledger verify` and a member's app run on top of the balance rules (rules.ts), which only see
// one transfer at a time. The relay settles packets so that this audit always passes.
//
// Invariants checked:
// - a claim or refund names a settled packet that is still open; claims take shares 0, 1, 2, …
//   in order, never more than the packet's shares, each claimer at most once, and each claim
//   carries the claimer's valid signature over its claim request;
// - an equal-split claim is exactly its share; a lucky claim is at least 1 and the claims never
//   exceed the amount; once the seed is revealed (on the claim taking the last share, or on the
//   refund), it must match the commitment and recompute every claim (verifySplit);
// - a refund comes only after the packet's expiry (by the escrow's signed clock), goes back to
//   the sender, and is exactly the unclaimed remainder;
// - at every point, the escrow's balance equals the sum of what open packets still hold
//   (`held`), which the caller compares with the replayed balance.
import type { AccountId } from '../ids.ts';
import { parseSeed, verifySplit } from './redpacket.ts';
import { claimRequestValid, isRedPacketKind, packetData, type PacketData } from './redpacket-kinds.ts';
import type { SignedTransfer } from './transfer.ts';

export interface AuditedPacket {
  transfer: SignedTransfer;
  terms: PacketData;
  claims: SignedTransfer[];
  claimers: Set<string>;
  paid: number;
  refund?: SignedTransfer;
  /** Set once the seed was revealed and checked. */
  shares?: number[];
}

export class RedPacketAudit {
  readonly packets = new Map<string, AuditedPacket>();
  /** Coins that open packets still hold: the escrow's balance must always be this. */
  held = 0;

  constructor(readonly escrow: AccountId) {}

  /**
   * Applies one settled transfer (its balance rules already checked); returns what is wrong
   * with it as a red-packet transfer, or null. Transfers of other kinds are ignored.
   */
  async apply(t: SignedTransfer): Promise<string | null> {
    if (!isRedPacketKind(t.kind)) return null;
    if (t.kind === 'redpacket') {
      const terms = packetData(t);
      if (!terms.ok) return `packet ${t.id}: ${terms.refusal.message}`;
      if (this.packets.has(t.id)) return `packet ${t.id} settled twice`;
      this.packets.set(t.id, { transfer: t, terms: terms.value, claims: [], claimers: new Set(), paid: 0 });
      this.held += t.amount;
      return null;
    }
    const p = this.packets.get(t.ref ?? '');
    if (!p) return `${t.kind} ${t.id} names no settled packet`;
    if (p.refund || p.shares) return `${t.kind} ${t.id}: packet ${p.transfer.id} was already closed`;
    const seedText = t.data?.seed;
    if (t.kind === 'redpacket-claim') {
      const share = t.data?.share;
      if (share !== p.claims.length) return `claim ${t.id} takes share ${String(share)}, but the next share of packet ${p.transfer.id} is ${p.claims.length}`;
      if (share >= p.terms.shares) return `claim ${t.id} exceeds the ${p.terms.shares} shares of packet ${p.transfer.id}`;
      if (p.claimers.has(t.to)) return `claim ${t.id}: ${t.to} already claimed packet ${p.transfer.id}`;
      if (!(await claimRequestValid(p.transfer.id, t.to, String(t.data?.req)))) return `claim ${t.id} carries no valid claim request from ${t.to}`;
      if (t.created > p.terms.expires) return `claim ${t.id} was paid after packet ${p.transfer.id} expired`;
      if (p.paid + t.amount > p.terms.amount) return `claims of packet ${p.transfer.id} exceed its amount`;
      const equal = Math.floor(p.terms.amount / p.terms.shares) + (share < p.terms.amount % p.terms.shares ? 1 : 0);
      if (p.terms.split === 'equal' && t.amount !== equal) return `claim ${t.id} pays ${t.amount}, but an equal share of packet ${p.transfer.id} is ${equal}`;
      const last = share === p.terms.shares - 1;
      if (last !== (seedText !== undefined)) return `claim ${t.id}: the seed is revealed on the claim of the last share, and only there`;
      p.claims.push(t);
      p.claimers.add(t.to);
      p.paid += t.amount;
      this.held -= t.amount;
    } else {
      if (t.to !== p.transfer.from) return `refund ${t.id} does not go back to the sender of packet ${p.transfer.id}`;
      if (t.created < p.terms.expires) return `refund ${t.id} came before packet ${p.transfer.id} expired`;
      if (t.amount !== p.terms.amount - p.paid) return `refund ${t.id} is ${t.amount}, but packet ${p.transfer.id} had ${p.terms.amount - p.paid} left`;
      if (t.data?.claims !== p.claims.length) return `refund ${t.id} counts ${String(t.data?.claims)} claims; packet ${p.transfer.id} had ${p.claims.length}`;
      p.refund = t;
      this.held -= t.amount;
    }
    if (seedText === undefined) return null;
    const seed = parseSeed(String(seedText));
    const check = seed ? await verifySplit(p.terms, seed, p.claims.map((c) => ({ share: c.data!.share as number, amount: c.amount }))) : null;
    if (!check?.ok) return `packet ${p.transfer.id}: ${check?.message ?? 'the revealed seed is malformed'}`;
    p.shares = check.shares;
    return null;
  }
}
