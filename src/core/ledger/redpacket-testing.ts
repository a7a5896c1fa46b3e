// Red-packet scenarios for tests (core audit, app checks): a sender, the escrow, members, and
// the transfers the relay would settle, signed for real. Not used by the app.
//
// Invariant: each scenario is a log of its own (fresh accounts, chains from zero), and every
// transfer made here advances its payer's chain as if settled.
import { toBase64Url } from '../bytes.ts';
import { claimCapabilityHash, seedCommitment, splitShares, type SplitMode } from './redpacket.ts';
import { signClaimRequest } from './redpacket-kinds.ts';
import { TestAccount } from './testing.ts';
import type { SignedTransfer, TransferBody } from './transfer.ts';

export const SCENARIO_CREATED = 1_767_225_600_000;
export const SCENARIO_EXPIRES = SCENARIO_CREATED + 60_000;

export class PacketScenario {
  readonly seed = new Uint8Array(32).fill(7);
  readonly claimSecret = new Uint8Array(32).fill(9);

  private constructor(
    readonly operator: TestAccount,
    readonly escrow: TestAccount,
    readonly sender: TestAccount,
    readonly members: TestAccount[],
  ) {}

  static async create(members = 4): Promise<PacketScenario> {
    const all = await Promise.all(Array.from({ length: 3 + members }, () => TestAccount.create()));
    return new PacketScenario(all[0]!, all[1]!, all[2]!, all.slice(3));
  }

  /** Signs `by`'s next transfer and advances its chain, as if the relay settled it. */
  async settled(by: TestAccount, to: TestAccount, amount: number, over: Partial<TransferBody>): Promise<SignedTransfer> {
    const t = await by.sign(to.id, amount, over);
    await by.settled(t);
    return t;
  }

  mint(amount: number): Promise<SignedTransfer> {
    return this.settled(this.operator, this.sender, amount, { kind: 'mint' });
  }

  /** The sender's packet and the split its seed gives. */
  async packet(amount: number, shares: number, split: SplitMode = 'lucky'): Promise<{ t: SignedTransfer; split: number[] }> {
    const data = { shares, split, commit: await seedCommitment(this.seed), expires: SCENARIO_EXPIRES, cap: await claimCapabilityHash(this.claimSecret) };
    const t = await this.settled(this.sender, this.escrow, amount, { kind: 'redpacket', memo: '恭喜发财', data });
    return { t, split: await splitShares(this.seed, { amount, shares, split }) };
  }

  /** The escrow pays share `k` to `who` (who signed the request); `seed` reveals a seed. */
  async claim(p: SignedTransfer, k: number, who: TestAccount, amount: number, opts: { seed?: Uint8Array; created?: number } = {}): Promise<SignedTransfer> {
    const req = await signClaimRequest(who.privateKey, p.id, who.id);
    const data = { share: k, req, ...(opts.seed ? { seed: toBase64Url(opts.seed) } : {}) };
    return this.settled(this.escrow, who, amount, { kind: 'redpacket-claim', ref: p.id, created: opts.created ?? SCENARIO_CREATED + 1, data });
  }

  /** The escrow refunds `amount` to the sender after `claims` claims, revealing `seed`. */
  refund(p: SignedTransfer, amount: number, claims: number, opts: { seed?: Uint8Array; created?: number } = {}): Promise<SignedTransfer> {
    const data = { claims, seed: toBase64Url(opts.seed ?? this.seed) };
    return this.settled(this.escrow, this.sender, amount, { kind: 'redpacket-refund', ref: p.id, created: opts.created ?? SCENARIO_EXPIRES, data });
  }
}
