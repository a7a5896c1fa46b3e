import { describe, expect, it } from 'vitest';
import { RedPacketAudit } from './redpacket-audit.ts';
import { signClaimRequest } from './redpacket-kinds.ts';
import { PacketScenario, SCENARIO_CREATED, SCENARIO_EXPIRES } from './redpacket-testing.ts';
import { LedgerReplay } from './replay.ts';
import { checkTransfer } from './rules.ts';
import { transferHash, type SignedTransfer } from './transfer.ts';

const CAP = 'c'.repeat(64);

/** Replays balances and red-packet rules together, as `ledger verify` does. */
async function audit(s: PacketScenario, transfers: SignedTransfer[]): Promise<string[]> {
  const replay = new LedgerReplay(s.operator.id, s.escrow.id);
  const rp = new RedPacketAudit(s.escrow.id);
  const problems: string[] = [];
  for (const t of transfers) {
    const r = replay.apply(t, await transferHash(t));
    if (r) problems.push(r.code);
    const v = await rp.apply(t);
    if (v) problems.push(v);
    if (replay.account(s.escrow.id).balance !== rp.held) problems.push('escrow balance differs from what packets hold');
  }
  return problems;
}

describe('red-packet kinds (stateless)', () => {
  it('are unknown without an escrow account and bound to it with one', async () => {
    const { operator, escrow, sender: alice, members } = await PacketScenario.create();
    const data = { shares: 2, split: 'lucky', commit: CAP, expires: SCENARIO_EXPIRES, cap: CAP };
    const p = await alice.sign(escrow.id, 10, { kind: 'redpacket', data });
    expect(checkTransfer(p, operator.id)?.code).toBe('unknown-kind');
    expect(checkTransfer(p, operator.id, escrow.id)).toBeNull();
    expect(checkTransfer(p, operator.id, members[0]!.id)?.code).toBe('bad-request');
    expect(checkTransfer(await alice.sign(escrow.id, 10), operator.id, escrow.id)?.code).toBe('bad-request');
    const forged = await alice.sign(members[0]!.id, 5, { kind: 'redpacket-claim', ref: p.id, data: { share: 0, req: 'x'.repeat(86) } });
    expect(checkTransfer(forged, operator.id, escrow.id)?.code).toBe('bad-request');
    const tooMany = await alice.sign(escrow.id, 3, { kind: 'redpacket', data: { ...data, shares: 4 } });
    expect(checkTransfer(tooMany, operator.id, escrow.id)?.code).toBe('bad-packet');
    const expired = await alice.sign(escrow.id, 3, { kind: 'redpacket', data: { ...data, shares: 1, expires: SCENARIO_CREATED - 1 } });
    expect(checkTransfer(expired, operator.id, escrow.id)?.code).toBe('bad-packet');
  });
});

describe('RedPacketAudit', () => {
  it('passes a fully claimed packet whose revealed seed recomputes every share', async () => {
    const s = await PacketScenario.create();
    const mint = await s.mint(10_000);
    const { t, split } = await s.packet(1000, 3);
    const claims = [];
    for (let k = 0; k < 3; k++) claims.push(await s.claim(t, k, s.members[k]!, split[k]!, k === 2 ? { seed: s.seed } : {}));
    expect(await audit(s, [mint, t, ...claims])).toEqual([]);
  });

  it('passes a refund of exactly the remainder after expiry', async () => {
    const s = await PacketScenario.create();
    const mint = await s.mint(10_000);
    const { t, split } = await s.packet(90, 3, 'equal');
    const c = await s.claim(t, 0, s.members[0]!, split[0]!);
    expect(await audit(s, [mint, t, c, await s.refund(t, 60, 1)])).toEqual([]);
  });

  it('catches a tampered share, a double claim, an early or wrong refund, a forged request and a bad reveal', async () => {
    const expectProblem = async (build: (s: PacketScenario, t: SignedTransfer, split: number[]) => Promise<SignedTransfer[]>, pattern: RegExp) => {
      const s = await PacketScenario.create();
      const mint = await s.mint(10_000);
      const { t, split } = await s.packet(1000, 3);
      const problems = await audit(s, [mint, t, ...(await build(s, t, split))]);
      expect(problems.join('; ')).toMatch(pattern);
    };
    const [m0, m1, m2] = [0, 1, 2];
    // A claim of one unit more than the seed gives, caught when the seed is revealed.
    await expectProblem(async (s, t, x) => [await s.claim(t, 0, s.members[m0]!, x[0]! + 1), await s.claim(t, 1, s.members[m1]!, x[1]!), await s.claim(t, 2, s.members[m2]!, x[2]! - 1, { seed: s.seed })], /seed gives/);
    await expectProblem(async (s, t, x) => [await s.claim(t, 0, s.members[m0]!, x[0]!), await s.claim(t, 1, s.members[m0]!, x[1]!)], /already claimed/);
    await expectProblem(async (s, t, x) => [await s.claim(t, 1, s.members[m0]!, x[1]!)], /next share/);
    await expectProblem(async (s, t) => [await s.refund(t, 1000, 0, { created: SCENARIO_EXPIRES - 1 })], /before packet/);
    await expectProblem(async (s, t) => [await s.refund(t, 999, 0)], /had 1000 left/);
    await expectProblem(async (s, t) => [await s.refund(t, 1000, 0, { seed: new Uint8Array(32) })], /commitment/);
    await expectProblem(async (s, t, x) => {
      const req = await signClaimRequest(s.members[1]!.privateKey, t.id, s.members[1]!.id);
      return [await s.settled(s.escrow, s.members[0]!, x[0]!, { kind: 'redpacket-claim', ref: t.id, created: SCENARIO_CREATED + 1, data: { share: 0, req } })];
    }, /no valid claim request/);
  });
});
