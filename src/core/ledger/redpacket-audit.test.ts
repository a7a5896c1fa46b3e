import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../bytes.ts';
import { RedPacketAudit } from './redpacket-audit.ts';
import { signClaimRequest } from './redpacket-kinds.ts';
import { seedCommitment, splitShares, type SplitMode } from './redpacket.ts';
import { LedgerReplay } from './replay.ts';
import { checkTransfer } from './rules.ts';
import { TestAccount } from './testing.ts';
import { transferHash, ZERO_HASH, type SignedTransfer, type TransferBody } from './transfer.ts';

let operator: TestAccount;
let escrow: TestAccount;
let alice: TestAccount;
let members: TestAccount[];
const SEED = new Uint8Array(32).fill(7);
const CAP = 'c'.repeat(64);
const CREATED = 1_767_225_600_000;
const EXPIRES = CREATED + 60_000;

beforeAll(async () => {
  const all = await Promise.all(Array.from({ length: 7 }, () => TestAccount.create()));
  [operator, escrow, alice] = [all[0]!, all[1]!, all[2]!];
  members = all.slice(3);
});

/** Each scenario is a log of its own: every chain starts again. */
function newLog() {
  for (const a of [operator, escrow, alice, ...members]) {
    a.seq = 0;
    a.head = ZERO_HASH;
  }
}
beforeEach(newLog);

/** Signs and settles (advances the chain) like the relay would. */
async function settled(by: TestAccount, to: TestAccount, amount: number, over: Partial<TransferBody>): Promise<SignedTransfer> {
  const t = await by.sign(to.id, amount, over);
  await by.settled(t);
  return t;
}

async function packet(amount: number, shares: number, split: SplitMode = 'lucky') {
  const t = await settled(alice, escrow, amount, { kind: 'redpacket', memo: '恭喜发财', data: { shares, split, commit: await seedCommitment(SEED), expires: EXPIRES, cap: CAP } });
  return { t, split: await splitShares(SEED, { amount, shares, split }) };
}

async function claim(p: SignedTransfer, k: number, who: TestAccount, amount: number, opts: { seed?: boolean; created?: number } = {}) {
  const req = await signClaimRequest(who.privateKey, p.id, who.id);
  return settled(escrow, who, amount, { kind: 'redpacket-claim', ref: p.id, created: opts.created ?? CREATED + 1, data: { share: k, req, ...(opts.seed ? { seed: toBase64Url(SEED) } : {}) } });
}

/** Replays balances and red-packet rules together, as `ledger verify` does. */
async function audit(transfers: SignedTransfer[]): Promise<string[]> {
  const replay = new LedgerReplay(operator.id, escrow.id);
  const rp = new RedPacketAudit(escrow.id);
  const problems: string[] = [];
  for (const t of transfers) {
    const r = replay.apply(t, await transferHash(t));
    if (r) problems.push(r.code);
    const v = await rp.apply(t);
    if (v) problems.push(v);
    if (replay.account(escrow.id).balance !== rp.held) problems.push('escrow balance differs from what packets hold');
  }
  return problems;
}

describe('red-packet kinds (stateless)', () => {
  it('are unknown without an escrow account and bound to it with one', async () => {
    const p = await alice.sign(escrow.id, 10, { kind: 'redpacket', data: { shares: 2, split: 'lucky', commit: CAP, expires: EXPIRES, cap: CAP } });
    expect(checkTransfer(p, operator.id)?.code).toBe('unknown-kind');
    expect(checkTransfer(p, operator.id, escrow.id)).toBeNull();
    expect(checkTransfer(p, operator.id, members[0]!.id)?.code).toBe('bad-request');
    expect(checkTransfer(await alice.sign(escrow.id, 10), operator.id, escrow.id)?.code).toBe('bad-request');
    const forged = await alice.sign(members[0]!.id, 5, { kind: 'redpacket-claim', ref: p.id, data: { share: 0, req: 'x'.repeat(86) } });
    expect(checkTransfer(forged, operator.id, escrow.id)?.code).toBe('bad-request');
    const tooMany = await alice.sign(escrow.id, 3, { kind: 'redpacket', data: { shares: 4, split: 'lucky', commit: CAP, expires: EXPIRES, cap: CAP } });
    expect(checkTransfer(tooMany, operator.id, escrow.id)?.code).toBe('bad-packet');
    const expired = await alice.sign(escrow.id, 3, { kind: 'redpacket', data: { shares: 1, split: 'equal', commit: CAP, expires: CREATED - 1, cap: CAP } });
    expect(checkTransfer(expired, operator.id, escrow.id)?.code).toBe('bad-packet');
  });
});

describe('RedPacketAudit', () => {
  it('passes a fully claimed packet whose revealed seed recomputes every share', async () => {
    const mint = await settled(operator, alice, 10_000, { kind: 'mint' });
    const { t, split } = await packet(1000, 3);
    const claims = [];
    for (let k = 0; k < 3; k++) claims.push(await claim(t, k, members[k]!, split[k]!, { seed: k === 2 }));
    expect(await audit([mint, t, ...claims])).toEqual([]);
  });

  it('passes a refund of exactly the remainder after expiry', async () => {
    const mint = await settled(operator, alice, 10_000, { kind: 'mint' });
    const { t, split } = await packet(90, 3, 'equal');
    const c = await claim(t, 0, members[0]!, split[0]!);
    const refund = await settled(escrow, alice, 60, { kind: 'redpacket-refund', ref: t.id, created: EXPIRES, data: { claims: 1, seed: toBase64Url(SEED) } });
    expect(await audit([mint, t, c, refund])).toEqual([]);
  });

  it('catches a tampered share, a double claim, an early or wrong refund, a forged request and a bad reveal', async () => {
    const expectProblem = async (build: (t: SignedTransfer, split: number[]) => Promise<SignedTransfer[]>, pattern: RegExp) => {
      newLog();
      const mint = await settled(operator, alice, 10_000, { kind: 'mint' });
      const { t, split } = await packet(1000, 3);
      const problems = await audit([mint, t, ...(await build(t, split))]);
      expect(problems.join('; ')).toMatch(pattern);
    };
    // A claim of one unit more than the seed gives, caught when the seed is revealed.
    await expectProblem(async (t, s) => [await claim(t, 0, members[0]!, s[0]! + 1), await claim(t, 1, members[1]!, s[1]!), await claim(t, 2, members[2]!, s[2]! - 1, { seed: true })], /seed gives/);
    await expectProblem(async (t, s) => [await claim(t, 0, members[0]!, s[0]!), await claim(t, 1, members[0]!, s[1]!)], /already claimed/);
    await expectProblem(async (t, s) => [await claim(t, 1, members[0]!, s[1]!)], /next share/);
    await expectProblem(async (t) => [await settled(escrow, alice, 1000, { kind: 'redpacket-refund', ref: t.id, created: EXPIRES - 1, data: { claims: 0, seed: toBase64Url(SEED) } })], /before packet/);
    await expectProblem(async (t) => [await settled(escrow, alice, 999, { kind: 'redpacket-refund', ref: t.id, created: EXPIRES, data: { claims: 0, seed: toBase64Url(SEED) } })], /had 1000 left/);
    await expectProblem(async (t) => [await settled(escrow, alice, 1000, { kind: 'redpacket-refund', ref: t.id, created: EXPIRES, data: { claims: 0, seed: toBase64Url(new Uint8Array(32)) } })], /commitment/);
    await expectProblem(async (t, s) => {
      const req = await signClaimRequest(members[1]!.privateKey, t.id, members[1]!.id);
      return [await settled(escrow, members[0]!, s[0]!, { kind: 'redpacket-claim', ref: t.id, created: CREATED + 1, data: { share: 0, req } })];
    }, /no valid claim request/);
  });
});
