// Red packets under a crash, against a real relay process and its SQLite file: 30 members race
// for the shares of 5 packets while the relay is killed with SIGKILL in the middle; after the
// restart everyone asks again. Whatever was acknowledged before the crash is still there, nobody
// gets two shares of one packet, no packet pays more than its shares or its amount, the reveals
// recompute every share, and `ledger verify` passes (escrow balance = what open packets hold).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../src/core/bytes.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { preparePacket, signClaimRequest } from '../../src/core/ledger/redpacket-kinds.ts';
import { deriveClaimSecret, verifySplit } from '../../src/core/ledger/redpacket.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { decodeTransferLines } from '../../src/core/ledger/wire.ts';
import { newTransferId, signTransfer, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { ledgerCommands } from '../../relay/ledger/commands.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { LedgerClient, operatorOf, requestId, v1Url } from './ledger-client.ts';

const PACKETS = 5;
const SHARES = 10;
const AMOUNT = 100;
const MEMBERS = 30;

let relay: RelayProcess;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay?.stop();
});

interface Packet {
  t: SignedTransfer;
  cap: string;
}

describe('red packets across a crash', () => {
  it('keeps every acknowledged claim, never pays a member twice, and verifies after SIGKILL mid-claims', async () => {
    let c = await LedgerClient.connect(v1Url(relay.signalUrl));
    const info = await c.info();
    if (info.t !== 'ledger-info') throw new Error('no ledger');
    const escrow = info.log as AccountId;
    const sender = await TestAccount.create();
    expect((await c.transfer(await operatorOf(relay.dataDir).sign(sender.id, 10_000, { kind: 'mint' }))).t).toBe('receipt');

    const secret = new Uint8Array(32).fill(5);
    const packets: Packet[] = [];
    for (let i = 0; i < PACKETS; i++) {
      const id = newTransferId();
      const now = Date.now();
      const p = await preparePacket({ id, from: sender.id, escrow, terms: { amount: AMOUNT, shares: SHARES, split: 'lucky' }, greeting: `packet ${i}`, created: now, expires: now + 3_600_000, chain: { seq: sender.seq + 1, prev: sender.head }, conversationSecret: secret });
      const t = await signTransfer(sender.privateKey, p.body);
      const answer = await c.request({ t: 'redpacket-create', id, transfer: t, seed: toBase64Url(p.seed) });
      expect(answer.header.t).toBe('redpacket');
      await sender.settled(t);
      packets.push({ t, cap: toBase64Url(await deriveClaimSecret(secret, id)) });
    }
    const members = await Promise.all(Array.from({ length: MEMBERS }, () => TestAccount.create()));
    const requests = await Promise.all(
      members.flatMap((m) => packets.map(async (p) => ({ m, p, sig: await signClaimRequest(m.privateKey, p.t.id, m.id) }))),
    );
    let answered = 0;
    const claimAll = async (conns: LedgerClient[]) =>
      Promise.all(
        requests.map(async (r, i) => {
          try {
            const f = await conns[i % conns.length]!.request({ t: 'redpacket-claim', id: requestId(), packet: r.p.t.id, claimer: r.m.id, sig: r.sig, cap: r.p.cap }, 20_000);
            answered++;
            return f.header.t === 'redpacket' ? 'ok' : f.header.t === 'error' ? f.header.code : f.header.t;
          } catch {
            return 'lost';
          }
        }),
      );

    // Everyone claims at once; the relay dies once some claims were answered, others in flight.
    c.close();
    const conns = await Promise.all(Array.from({ length: 5 }, () => LedgerClient.connect(v1Url(relay.signalUrl))));
    const racing = claimAll(conns);
    while (answered < 10) await new Promise((r) => setTimeout(r, 1));
    await relay.kill('SIGKILL');
    const before = await racing;
    expect(before.filter((a) => a === 'ok').length).toBeGreaterThan(0);
    expect(before.filter((a) => a === 'lost').length).toBeGreaterThan(0);
    conns.forEach((x) => x.close());
    relay = await relay.restart();
    c = await LedgerClient.connect(v1Url(relay.signalUrl));

    // Everyone asks again: each answer is a share, or a clear refusal.
    const again = await claimAll([c]);
    expect(new Set(again)).toEqual(new Set(again.filter((a) => a === 'ok' || a === 'already-claimed' || a === 'packet-empty')));

    let held = 0;
    for (const p of packets) {
      const f = await c.request({ t: 'redpacket-status', id: requestId(), packet: p.t.id });
      if (f.header.t !== 'redpacket') throw new Error(JSON.stringify(f.header));
      const lines = decodeTransferLines(f.body);
      if (!lines.ok) throw new Error(lines.refusal.message);
      const claims = lines.value.filter((t) => t.kind === 'redpacket-claim');
      expect(claims.length).toBeLessThanOrEqual(SHARES);
      expect(new Set(claims.map((t) => t.to)).size).toBe(claims.length);
      const paid = claims.reduce((s, t) => s + t.amount, 0);
      expect(paid).toBeLessThanOrEqual(AMOUNT);
      held += AMOUNT - paid;
      // Every claim acknowledged before the crash is among them.
      requests.forEach((r, i) => {
        if (r.p === p && before[i] === 'ok') expect(claims.some((t) => t.to === r.m.id)).toBe(true);
      });
      // 30 members asked, so every packet is fully claimed, and its reveal checks out.
      expect(f.header).toMatchObject({ state: 'claimed', claims: SHARES });
      const seed = fromBase64Url(f.header.seed!)!;
      const check = await verifySplit({ amount: AMOUNT, shares: SHARES, split: 'lucky', commit: p.t.data!.commit as string }, seed, claims.map((t) => ({ share: t.data!.share as number, amount: t.amount })));
      expect(check.ok).toBe(true);
    }
    const escrowBalance = await c.balance(escrow);
    expect(escrowBalance).toMatchObject({ t: 'balance', balance: held });
    c.close();

    let err = '';
    const code = await ledgerCommands({ out: () => {}, err: (l) => (err += `${l}\n`), env: {}, cwd: process.cwd() }).ledger(['verify', '--data', relay.dataDir]);
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
