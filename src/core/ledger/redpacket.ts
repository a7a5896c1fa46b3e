// Red packets (hongbao): how a packet's amount is split into shares, verifiably.
//
// The sender draws a 32-byte random seed and signs, inside the packet transfer, the commitment
// SHA-256("floe/v1/redpacket-seed" ‖ 0x00 ‖ seed). Every share is derived from the seed alone,
// so once the relay reveals it (when the packet is fully claimed or refunded), anyone can
// recompute the whole split and check every claim: nobody can change a share after the fact.
//
// Split rules (deterministic in (seed, amount, shares, mode)):
// - lucky: share i of n, with R units and k = n − i shares left, is 1 + U(max) where
//   max = min(⌊2R/k⌋, R − (k − 1)): at least 1, at most twice the remaining average (floor),
//   and never so much that a later share would get nothing. The last share takes the rest.
//   So every share is a whole number ≥ 1 and they sum to the amount; every position has the
//   same expected share (amount/n) up to the rounding of ⌊·⌋ (redpacket.test.ts measures it).
// - equal: ⌊amount/n⌋ each, and the first (amount mod n) shares one unit more. The seed is not
//   used, but committed all the same, so both modes travel and verify alike.
// - U(m), uniform on 0..m−1, reads 53-bit integers from the stream
//   SHA-256("floe/v1/redpacket-split" ‖ 0x00 ‖ seed ‖ u32be(counter)), counter 0, 1, 2, …
//   (each block gives two 53-bit draws) and rejects draws ≥ 2^53 − (2^53 mod m): unbiased.
//
// Pure: WebCrypto's SHA-256 only; no clock, no Math.random.
import { concatBytes, fromBase64Url, toHex, utf8 } from '../bytes.ts';
import { hkdf, sha256 } from '../crypto.ts';
import { checkAmount } from './transfer.ts';
import type { Refusal } from './refusal.ts';

export const SPLIT_MODES = ['lucky', 'equal'] as const;
export type SplitMode = (typeof SPLIT_MODES)[number];
/** Most shares in one packet (QQ and WeChat allow 100–200 in a group). */
export const MAX_SHARES = 200;
export const SEED_BYTES = 32;
/** Default time a packet stays open; the relay's --redpacket-expiry-ms changes it. */
export const DEFAULT_PACKET_EXPIRY_MS = 24 * 3600_000;

const COMMIT_CONTEXT = 'floe/v1/redpacket-seed';
const STREAM_CONTEXT = 'floe/v1/redpacket-split';
const CLAIM_SECRET_LABEL = 'floe/v1/redpacket-claim';
const TWO_53 = 2 ** 53;

export interface PacketTerms {
  amount: number;
  shares: number;
  split: SplitMode;
}

/** Refuses terms that cannot make a packet: a typed refusal, or null when they are fine. */
export function checkPacketTerms(t: { amount: unknown; shares: unknown; split: unknown }): Refusal | null {
  const amount = checkAmount(t.amount);
  if (amount) return amount;
  const { shares } = t;
  if (typeof shares !== 'number' || !Number.isSafeInteger(shares) || shares < 1) return { code: 'bad-packet', message: 'a red packet needs a whole number of shares, at least 1' };
  if (shares > MAX_SHARES) return { code: 'bad-packet', message: `a red packet has at most ${MAX_SHARES} shares` };
  if (shares > (t.amount as number)) return { code: 'bad-packet', message: 'every share needs at least one unit: shares may not exceed the amount' };
  if (!(SPLIT_MODES as readonly unknown[]).includes(t.split)) return { code: 'bad-packet', message: 'the split is "lucky" or "equal"' };
  return null;
}

/** Hex SHA-256 commitment to a seed, as signed in the packet transfer. */
export async function seedCommitment(seed: Uint8Array): Promise<string> {
  return toHex(await sha256(concatBytes(utf8(COMMIT_CONTEXT), Uint8Array.of(0), seed)));
}

/** The seed from its base64url form, or null if it is not 32 bytes. */
export function parseSeed(text: string): Uint8Array | null {
  const seed = fromBase64Url(text);
  return seed && seed.length === SEED_BYTES ? seed : null;
}

/** Uniform integers from the seed's SHA-256 counter stream. */
class SeedStream {
  private counter = 0;
  private words: number[] = [];
  constructor(private readonly seed: Uint8Array) {}

  private async refill(): Promise<void> {
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, this.counter++);
    const block = await sha256(concatBytes(utf8(STREAM_CONTEXT), Uint8Array.of(0), this.seed, counter));
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    // Two 53-bit integers per 32-byte block: 21 high bits of one word, 32 of the next.
    for (let o = 0; o < 32; o += 16) this.words.push((view.getUint32(o) & 0x1fffff) * 2 ** 32 + view.getUint32(o + 4));
  }

  /** Uniform on 0..m−1, for 1 ≤ m ≤ 2^53, by rejection sampling (no modulo bias). */
  async below(m: number): Promise<number> {
    const limit = TWO_53 - (TWO_53 % m);
    for (;;) {
      if (this.words.length === 0) await this.refill();
      const x = this.words.shift()!;
      if (x < limit) return x % m;
    }
  }
}

/** Every share of a packet, in claim order. Terms must pass checkPacketTerms. */
export async function splitShares(seed: Uint8Array, terms: PacketTerms): Promise<number[]> {
  const { amount, shares: n } = terms;
  if (terms.split === 'equal') {
    const base = Math.floor(amount / n);
    const extra = amount % n;
    return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
  }
  const stream = new SeedStream(seed);
  const out: number[] = [];
  let rest = amount;
  for (let i = 0; i < n - 1; i++) {
    const left = n - i;
    const max = Math.min(Math.floor((2 * rest) / left), rest - (left - 1));
    const share = 1 + (await stream.below(max));
    out.push(share);
    rest -= share;
  }
  out.push(rest);
  return out;
}

export interface ClaimedShare {
  /** Position in claim order, 0-based. */
  share: number;
  amount: number;
}

export type SplitCheck = { ok: true; shares: number[] } | { ok: false; problem: 'bad-seed' | 'bad-share'; message: string };

/**
 * Checks a revealed seed against the packet's commitment and every claimed share against the
 * split it implies. What a member's app runs once the seed is out.
 */
export async function verifySplit(packet: PacketTerms & { commit: string }, seed: Uint8Array, claims: readonly ClaimedShare[]): Promise<SplitCheck> {
  if (seed.length !== SEED_BYTES || (await seedCommitment(seed)) !== packet.commit) {
    return { ok: false, problem: 'bad-seed', message: "the revealed seed does not match the packet's commitment" };
  }
  const shares = await splitShares(seed, packet);
  const seen = new Set<number>();
  for (const c of claims) {
    if (seen.has(c.share)) return { ok: false, problem: 'bad-share', message: `share ${c.share + 1} was paid twice` };
    seen.add(c.share);
    if (shares[c.share] !== c.amount) return { ok: false, problem: 'bad-share', message: `share ${c.share + 1} paid ${c.amount}, but the seed gives ${shares[c.share] ?? 'no such share'}` };
  }
  return { ok: true, shares };
}

/**
 * The per-packet claim secret, derived (HKDF, like derive.ts) from the secret of the
 * conversation the packet was sent into: only its members can compute it. The relay stores
 * only claimCapabilityHash of it, and the packet transfer carries that hash.
 */
export async function deriveClaimSecret(conversationSecret: Uint8Array, packetId: string): Promise<Uint8Array> {
  return hkdf(conversationSecret, utf8('floe/v1'), `${CLAIM_SECRET_LABEL}/${packetId}`, 32);
}

export async function claimCapabilityHash(claimSecret: Uint8Array): Promise<string> {
  return toHex(await sha256(claimSecret));
}
