// The three red-packet transfer kinds, in the v1 transfer format (no format change: they use
// `ref` and `data`, which v1 reserved for later kinds). See docs/protocol.md, "Red packets".
//
//   redpacket         sender → escrow, amount = the whole packet, memo = the greeting,
//                     data { shares, split, commit (seed commitment), expires (ms), cap
//                     (SHA-256 of the claim secret, hex) }
//   redpacket-claim   escrow → claimer, ref = the packet's transfer id, amount = one share,
//                     data { share (0-based claim position), req (the claimer's signature over
//                     its claim request), seed (base64url, only on the claim that takes the
//                     last share) }
//   redpacket-refund  escrow → sender, ref = the packet, amount = what was left unclaimed,
//                     data { claims (how many shares were claimed), seed }
//
// The escrow account is the relay's ledger key (docs/decisions.md): its transfers are signed by
// the relay; nobody else can pay into it or out of it except through these kinds.
// Here: the stateless rules (shapes). The rules across transfers (claims within the packet,
// each claimer once, refund only after expiry and only the remainder, seed and split) are in
// redpacket-audit.ts.
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { canonicalBytes } from '../canonical.ts';
import { keyFromId, sign, verify } from '../crypto.ts';
import { secureRandom, type AccountId, type Random } from '../ids.ts';
import { checkPacketTerms, claimCapabilityHash, deriveClaimSecret, parseSeed, seedCommitment, SEED_BYTES, type PacketTerms, type SplitMode } from './redpacket.ts';
import type { Refusal } from './refusal.ts';
import type { SignedTransfer, TransferBody, TransferData, TransferId } from './transfer.ts';

export const REDPACKET_KINDS = ['redpacket', 'redpacket-claim', 'redpacket-refund'] as const;
export type RedPacketKind = (typeof REDPACKET_KINDS)[number];
export const isRedPacketKind = (kind: string): kind is RedPacketKind => (REDPACKET_KINDS as readonly string[]).includes(kind);

const CLAIM_REQUEST_CONTEXT = 'floe/v1/redpacket-claim-request';
const TRANSFER_ID = /^[A-Za-z0-9_-]{22}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const SIG = /^[A-Za-z0-9_-]{86}$/;

export interface PacketData extends PacketTerms {
  commit: string;
  expires: number;
  cap: string;
}

const bad = (message: string): Refusal => ({ code: 'bad-request', message });
const keysAre = (data: object, allowed: string[]) => Object.keys(data).every((k) => allowed.includes(k));

/** The packet terms signed in a `redpacket` transfer, or a refusal. */
export function packetData(t: SignedTransfer): { ok: true; value: PacketData } | { ok: false; refusal: Refusal } {
  const d = t.data ?? {};
  if (!keysAre(d, ['shares', 'split', 'commit', 'expires', 'cap'])) return { ok: false, refusal: bad('a redpacket carries only shares, split, commit, expires and cap') };
  const terms = checkPacketTerms({ amount: t.amount, shares: d.shares, split: d.split });
  if (terms) return { ok: false, refusal: terms };
  if (typeof d.commit !== 'string' || !HEX64.test(d.commit)) return { ok: false, refusal: bad('a redpacket must commit to its seed (commit: 64 hex)') };
  if (typeof d.cap !== 'string' || !HEX64.test(d.cap)) return { ok: false, refusal: bad('a redpacket must carry its claim capability hash (cap: 64 hex)') };
  if (typeof d.expires !== 'number' || d.expires <= t.created) return { ok: false, refusal: { code: 'bad-packet', message: 'a red packet must expire after it is created' } };
  return { ok: true, value: { amount: t.amount, shares: d.shares as number, split: d.split as SplitMode, commit: d.commit, expires: d.expires, cap: d.cap } };
}

/** Stateless rules of the red-packet kinds, given the escrow account. */
export function checkRedPacketTransfer(t: SignedTransfer, escrow: AccountId): Refusal | null {
  if (t.kind === 'redpacket') {
    if (t.to !== escrow) return bad('a redpacket pays the escrow account');
    if (t.ref !== undefined) return bad('a redpacket carries no ref');
    const d = packetData(t);
    return d.ok ? null : d.refusal;
  }
  if (t.from !== escrow) return bad(`a ${t.kind} is paid by the escrow account`);
  if (t.ref === undefined || !TRANSFER_ID.test(t.ref)) return bad(`a ${t.kind} must name its packet (ref)`);
  const d = t.data ?? {};
  const seedOk = d.seed === undefined || (typeof d.seed === 'string' && parseSeed(d.seed) !== null);
  if (t.kind === 'redpacket-claim') {
    if (!keysAre(d, ['share', 'req', 'seed'])) return bad('a redpacket-claim carries only share, req and seed');
    if (typeof d.share !== 'number' || d.share < 0) return bad('a redpacket-claim names its share (a whole number ≥ 0)');
    if (typeof d.req !== 'string' || !SIG.test(d.req)) return bad("a redpacket-claim carries the claimer's signed request (req)");
    if (!seedOk) return bad('a revealed seed is 32 bytes, base64url');
    return null;
  }
  if (!keysAre(d, ['claims', 'seed'])) return bad('a redpacket-refund carries only claims and seed');
  if (typeof d.claims !== 'number' || d.claims < 0) return bad('a redpacket-refund says how many shares were claimed');
  if (d.seed === undefined || !seedOk) return bad('a redpacket-refund reveals the seed');
  return null;
}

/** What a claimer signs to ask for a share: it names the packet and the claimer's account. */
export function claimRequestBytes(packet: string, claimer: AccountId): Uint8Array {
  return concatBytes(utf8(CLAIM_REQUEST_CONTEXT), Uint8Array.of(0), canonicalBytes({ v: 1, packet, claimer }));
}

export async function signClaimRequest(privateKey: Uint8Array, packet: string, claimer: AccountId): Promise<string> {
  return toBase64Url(await sign(privateKey, claimRequestBytes(packet, claimer)));
}

/** True when `sig` is `claimer`'s signature over a claim of `packet`. Never throws. */
export async function claimRequestValid(packet: string, claimer: AccountId, sig: string): Promise<boolean> {
  const key = keyFromId(claimer);
  const bytes = fromBase64Url(sig);
  if (!key || !bytes) return false;
  return verify(key, bytes, claimRequestBytes(packet, claimer));
}

export interface NewPacket {
  /** The unsigned packet transfer: sign it with the sender's key, persist it, then send it. */
  body: TransferBody;
  /** Sent to the relay with the signed transfer (it keeps it private until reveal). */
  seed: Uint8Array;
}

/**
 * A new packet: a fresh seed, its commitment and the claim capability hash, in the transfer
 * the sender signs. `chain` is the sender's next seq and prev; the id names the packet.
 */
export async function preparePacket(p: {
  id: TransferId;
  from: AccountId;
  escrow: AccountId;
  terms: PacketTerms;
  greeting: string;
  created: number;
  expires: number;
  chain: { seq: number; prev: string };
  conversationSecret: Uint8Array;
  random?: Random;
}): Promise<NewPacket> {
  const seed = (p.random ?? secureRandom)(SEED_BYTES);
  const cap = await claimCapabilityHash(await deriveClaimSecret(p.conversationSecret, p.id));
  const data: TransferData = { shares: p.terms.shares, split: p.terms.split, commit: await seedCommitment(seed), expires: p.expires, cap };
  const body: TransferBody = { v: 1, id: p.id, from: p.from, to: p.escrow, amount: p.terms.amount, seq: p.chain.seq, prev: p.chain.prev, kind: 'redpacket', memo: p.greeting, data, created: p.created };
  return { body, seed };
}
