// Red packets on the relay: the redpacket-create, redpacket-claim and redpacket-status frames
// (docs/protocol.md, "Red packets"), and the sweeper that refunds expired packets.
//
// - create: the sender's signed `redpacket` transfer (to the escrow) and the seed. The relay
//   checks the seed against the signed commitment, stores the packet (seed private until
//   reveal), settles the transfer like any other, and answers with the packet's status.
// - claim: the claimer's signed claim request and the claim capability (derived from the
//   conversation's secret: only members can make it). Decided and paid by the payout queue
//   (payouts.ts), one decision at a time, so claims of a packet are settled one after another.
// - status: the packet's settled transfers; the seed once it is fully claimed or refunded.
// - sweeper: every sweepMs, refunds what open packets past their expiry still hold, settles
//   packets whose create was interrupted, and retries unsettled payouts.
//
// Invariant: the escrow's balance is the sum of what open packets still hold (pending creates
// included once settled); `ledger verify` checks it from the log alone.
import { createHash, timingSafeEqual } from 'node:crypto';
import { fromBase64Url, fromUtf8, toBase64Url, toHex } from '../../src/core/bytes.ts';
import type { Receipt } from '../../src/core/ledger/checkpoint.ts';
import { claimRequestValid, packetData } from '../../src/core/ledger/redpacket-kinds.ts';
import { parseSeed, seedCommitment, splitShares } from '../../src/core/ledger/redpacket.ts';
import { checkTransfer } from '../../src/core/ledger/rules.ts';
import { encodeTransfer, parseTransfer, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { encodeTransferLines } from '../../src/core/ledger/wire.ts';
import type { AccountId } from '../../src/core/ids.ts';
import type { ErrorCode, RedPacketClientHeader, ServerHeader } from '../../src/core/protocol.ts';
import type { Logger } from '../log.ts';
import type { KeyPair } from '../ledger/keys.ts';
import type { Settlement } from '../ledger/settlement.ts';
import { openLedgerDatabase } from '../ledger/sqlite-store.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { PayoutQueue, type Decide, type Refused } from './payouts.ts';
import { packetQueries, type PayoutRow } from './store.ts';

export type Reply = (header: ServerHeader, body?: Uint8Array) => void;

export interface RedPacketOptions {
  /** The ledger's SQLite file: packets live beside the log. */
  file: string;
  store: LedgerStore;
  settlement: Settlement;
  /** The escrow account's key: the ledger key (docs/decisions.md). */
  escrow: KeyPair;
  operator: AccountId;
  /** How long a packet stays open; the sender signs an expiry within it. */
  expiryMs: number;
  now: () => number;
  log: Logger;
}

export interface RedPacketService {
  handle(h: RedPacketClientHeader, reply: Reply): Promise<void>;
  close(): Promise<void>;
}

/** A sender's clock may run this much ahead of the relay's. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** A create not known to have settled after this long is settled (or dropped) by the sweeper. */
const STALE_CREATE_MS = 10_000;

const sha256Hex = (bytes: Uint8Array) => toHex(new Uint8Array(createHash('sha256').update(bytes).digest()));
const refused = (code: Refused['code'], message: string): Refused => ({ ok: false, code, message });
const bytesOf = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function createRedPacketService(o: RedPacketOptions): RedPacketService {
  const db = openLedgerDatabase(o.file);
  const q = packetQueries(db);
  const escrowId = o.escrow.id;

  const onSettled = (row: PayoutRow) => {
    const packet = q.packet.get(row.packet);
    if (!packet) return;
    if (row.kind === 'refund') q.setState.run('refunded', packet.id);
    else if (q.tally.get(packet.id)!.settledClaims >= packet.shares) q.setState.run('claimed', packet.id);
  };
  const payouts = new PayoutQueue({ db, q, store: o.store, settlement: o.settlement, escrow: o.escrow, now: o.now, log: o.log, onSettled });

  /**
   * The status frame of a settled packet, or null if there is none. `full`: with the packet's
   * transfers in the body; a claim's answer has none (listing every claim in each of a packet's
   * claim answers would cost O(shares²) per packet); the claimer asks for the status after.
   */
  function status(id: string, requestId: string, receipt?: Receipt, full = true): { header: ServerHeader; body: Uint8Array } | null {
    const row = q.packet.get(id);
    if (!row || row.state === 'pending') return null;
    const seed = row.state !== 'open' ? { seed: toBase64Url(bytesOf(row.seed)) } : {};
    if (!full) {
      const claims = q.tally.get(id)!.settledClaims;
      return { header: { t: 'redpacket', id: requestId, packet: id, state: row.state, claims, ...seed, ...(receipt ? { receipt } : {}) }, body: new Uint8Array(0) };
    }
    const settled = q.payouts.all(id).filter((p) => p.settled);
    const claims = settled.filter((p) => p.kind === 'claim').sort((a, b) => a.share! - b.share!);
    const refund = settled.find((p) => p.kind === 'refund');
    const lines = [row.body, ...claims.map((c) => c.body), ...(refund ? [refund.body] : [])].map(bytesOf);
    const state = row.state;
    return {
      header: { t: 'redpacket', id: requestId, packet: id, state, claims: claims.length, ...seed, ...(receipt ? { receipt } : {}) },
      body: encodeTransferLines(lines),
    };
  }

  function decideClaim(packet: string, claimer: AccountId, req: string, capHash: string): Decide {
    return (now) => {
      const row = q.packet.get(packet);
      if (!row || row.state === 'pending') return refused('unknown-packet', 'no such red packet (or it has not settled yet)');
      if (!timingSafeEqual(Buffer.from(capHash), Buffer.from(row.cap))) return refused('bad-capability', "this claim capability is not the packet's: only members of its conversation can claim");
      if (claimer === escrowId) return refused('bad-request', 'the escrow account cannot claim');
      if (q.claimedBy.get(packet, claimer)) return refused('already-claimed', 'you already opened this red packet');
      const tally = q.tally.get(packet)!;
      if (row.state === 'refunded' || tally.refunds > 0 || now >= row.expires) return refused('packet-expired', 'this red packet has expired');
      if (tally.claims >= row.shares) return refused('packet-empty', 'every share of this red packet was taken');
      const share = tally.claims;
      const split = JSON.parse(row.split) as number[];
      const last = share === row.shares - 1;
      return { packet, kind: 'claim', to: claimer, amount: split[share]!, share, data: { share, req, ...(last ? { seed: toBase64Url(bytesOf(row.seed)) } : {}) } };
    };
  }

  function decideRefund(packet: string): Decide {
    return (now) => {
      const row = q.packet.get(packet);
      if (!row || row.state !== 'open' || now < row.expires) return refused('not-found', 'nothing to refund');
      const tally = q.tally.get(packet)!;
      if (tally.refunds > 0 || tally.claims >= row.shares) return refused('not-found', 'nothing to refund');
      return { packet, kind: 'refund', to: row.sender as AccountId, amount: row.amount - tally.paid, share: null, data: { claims: tally.claims, seed: toBase64Url(bytesOf(row.seed)) } };
    };
  }

  async function create(h: Extract<RedPacketClientHeader, { t: 'redpacket-create' }>): Promise<Refused | { ok: true; receipt: Receipt }> {
    const parsed = parseTransfer(h.transfer);
    if (!parsed.ok) return { ok: false, ...parsed.refusal };
    const t = parsed.value;
    if (t.id !== h.id) return refused('bad-request', "the frame's id must be the packet transfer's id");
    if (t.kind !== 'redpacket') return refused('bad-request', 'redpacket-create carries a redpacket transfer');
    const rule = checkTransfer(t, o.operator, escrowId);
    if (rule) return { ok: false, ...rule };
    const terms = packetData(t);
    if (!terms.ok) return { ok: false, ...terms.refusal };
    const now = o.now();
    if (terms.value.expires <= now) return refused('packet-expired', 'this red packet expired before it reached the relay');
    if (terms.value.expires > now + o.expiryMs + CLOCK_SKEW_MS) return refused('bad-packet', `a red packet on this relay expires within ${o.expiryMs} ms`);
    const seed = parseSeed(h.seed);
    if (!seed || (await seedCommitment(seed)) !== terms.value.commit) return refused('bad-seed', "the seed does not match the packet's commitment");
    const bytes = encodeTransfer(t);
    const existing = q.packet.get(t.id);
    if (existing && !Buffer.from(bytes).equals(existing.body)) return refused('conflict', 'this packet id was already used for another packet');
    if (!existing) {
      const split = await splitShares(seed, terms.value);
      q.insertPacket.run(t.id, t.from, t.amount, terms.value.shares, terms.value.expires, terms.value.cap, seed, JSON.stringify(split), bytes, now);
    }
    return settleCreate(t);
  }

  async function settleCreate(t: SignedTransfer): Promise<Refused | { ok: true; receipt: Receipt }> {
    const r = await o.settlement.submit(t);
    if (r.ok) {
      if (q.packet.get(t.id)?.state === 'pending') q.setState.run('open', t.id);
      return r;
    }
    // A refusal means it never settled; `unavailable` may still settle: the sweeper finds out.
    if (r.code !== 'unavailable') q.deletePending.run(t.id);
    return r;
  }

  async function handle(h: RedPacketClientHeader, reply: Reply): Promise<void> {
    const refuse = (code: ErrorCode, message: string) => reply({ t: 'error', code, message, id: h.id });
    const answer = (packet: string, receipt?: Receipt, full = true) => {
      const s = status(packet, h.id, receipt, full);
      return s ? reply(s.header, s.body) : refuse('unknown-packet', 'no such red packet');
    };
    switch (h.t) {
      case 'redpacket-create': {
        const r = await create(h);
        return r.ok ? answer(h.id, r.receipt) : refuse(r.code, r.message);
      }
      case 'redpacket-claim': {
        if (!(await claimRequestValid(h.packet, h.claimer as AccountId, h.sig))) return refuse('bad-signature', "the claim request is not signed by the claimer's account key");
        const secret = fromBase64Url(h.cap);
        if (!secret) return refuse('bad-capability', 'the claim capability is malformed');
        const r = await payouts.decide(decideClaim(h.packet, h.claimer as AccountId, h.sig, sha256Hex(secret)));
        return r.ok ? answer(h.packet, r.receipt, false) : refuse(r.code, r.message);
      }
      case 'redpacket-status':
        return answer(h.packet);
    }
  }

  async function sweep(): Promise<void> {
    const now = o.now();
    for (const row of q.pendingBefore.all(now - STALE_CREATE_MS)) await settleCreate(JSON.parse(fromUtf8(bytesOf(row.body))) as SignedTransfer);
    for (const { id } of q.expiredOpen.all(now)) void payouts.decide(decideRefund(id));
    payouts.kick();
  }
  // A sweep is two indexed queries, so once a second costs nothing and refunds come promptly.
  const sweepMs = Math.min(1000, Math.max(100, Math.floor(o.expiryMs / 10)));
  let sweeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = sweep()
      .catch((err: unknown) => o.log.error({ err, event: 'redpacket_sweep_failed' }, 'red packet sweep failed'))
      .finally(() => (sweeping = null));
  }, sweepMs);
  timer.unref();

  return {
    handle,
    async close() {
      clearInterval(timer);
      await sweeping;
      await payouts.close();
      db.close();
    },
  };
}
