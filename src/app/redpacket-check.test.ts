// What a member's app checks about a red packet: doc entries (real, claimable, signed by their
// sender) and the relay's status of a packet (as an auditor), with real signed transfers.
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../core/bytes.ts';
import { PacketScenario } from '../core/ledger/redpacket-testing.ts';
import { transferJson, type SignedTransfer } from '../core/ledger/transfer.ts';
import { checkPacketStatus, parsePacketEntry } from './redpacket-check.ts';

const entryJson = (packet: SignedTransfer, claim: Uint8Array) => JSON.stringify({ v: 1, packet: JSON.parse(transferJson(packet)), claim: toBase64Url(claim) });

describe('parsePacketEntry', () => {
  it('accepts a packet signed by its sender with the claim secret it committed to', async () => {
    const s = await PacketScenario.create();
    const { t } = await s.packet(100, 2);
    expect(await parsePacketEntry(entryJson(t, s.claimSecret))).toMatchObject({ packet: { id: t.id } });
  });

  it('refuses garbage, other kinds, a forged signature and a claim secret that is not the one signed', async () => {
    const s = await PacketScenario.create();
    const { t } = await s.packet(100, 2);
    expect(await parsePacketEntry('not json')).toBeNull();
    expect(await parsePacketEntry(JSON.stringify({ v: 2, packet: t, claim: toBase64Url(s.claimSecret) }))).toBeNull();
    expect(await parsePacketEntry(entryJson(await s.sender.sign(s.escrow.id, 5), s.claimSecret))).toBeNull();
    expect(await parsePacketEntry(entryJson({ ...t, amount: 1000 }, s.claimSecret))).toBeNull();
    expect(await parsePacketEntry(entryJson(t, new Uint8Array(32)))).toBeNull();
  });
});

describe('checkPacketStatus', () => {
  it('passes an honest closed packet and keeps its checked shares', async () => {
    const s = await PacketScenario.create();
    const { t, split } = await s.packet(100, 2);
    const claims = [await s.claim(t, 0, s.members[0]!, split[0]!), await s.claim(t, 1, s.members[1]!, split[1]!, { seed: s.seed })];
    const r = await checkPacketStatus(t, s.escrow.id, 'claimed', [t, ...claims]);
    expect(r.problems).toEqual([]);
    expect(r.audited?.shares).toEqual(split);
    // Open packets are not verified yet, and that is not a problem.
    expect((await checkPacketStatus(t, s.escrow.id, 'open', [t, claims[0]!])).problems).toEqual([]);
  });

  it('flags a tampered reveal, a payout not from the escrow, another packet, and a closed packet without its seed', async () => {
    const s = await PacketScenario.create();
    const { t, split } = await s.packet(100, 3);
    const first = await s.claim(t, 0, s.members[0]!, split[0]!);
    const badSeed = await s.refund(t, 100 - split[0]!, 1, { seed: new Uint8Array(32).fill(1) });
    expect((await checkPacketStatus(t, s.escrow.id, 'refunded', [t, first, badSeed])).problems.join(' ')).toMatch(/commitment/);

    const byMember = await s.members[2]!.sign(s.members[1]!.id, split[1]!, { kind: 'redpacket-claim', ref: t.id, data: { share: 1, req: 'x'.repeat(86) } });
    expect((await checkPacketStatus(t, s.escrow.id, 'open', [t, first, byMember])).problems.join(' ')).toMatch(/not from the escrow/);

    const other = await s.packet(50, 2);
    expect((await checkPacketStatus(t, s.escrow.id, 'open', [other.t])).problems.join(' ')).toMatch(/another packet/);
    expect((await checkPacketStatus(t, s.escrow.id, 'claimed', [t, first])).problems.join(' ')).toMatch(/seed was not revealed/);
    const tampered = { ...first, amount: first.amount + 1 };
    expect((await checkPacketStatus(t, s.escrow.id, 'open', [t, tampered])).problems.join(' ')).toMatch(/not signed by its payer/);
  });
});
