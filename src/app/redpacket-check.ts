// What a member's app checks about a red packet, apart from the UI state: that a packet linked
// in the conversation doc is real and claimable, and that the relay's account of it (its status
// body) holds up as an auditor would check it. Pure apart from WebCrypto; tested beside it.
import { fromBase64Url } from '../core/bytes.ts';
import type { AccountId } from '../core/ids.ts';
import { claimCapabilityHash, parseTransfer, RedPacketAudit, verifyTransferSignature, type AuditedPacket, type SignedTransfer } from '../core/ledger/index.ts';

/** What the conversation doc's "redpackets" map holds per announcing message (JSON). */
export interface PacketEntry {
  v: 1;
  packet: SignedTransfer;
  /** The claim secret, base64url. */
  claim: string;
}

/**
 * A doc entry that is a red packet signed by its sender whose claim secret hashes to the `cap`
 * the sender signed; null for anything else (a member cannot slip in an unclaimable packet, or
 * one under another sender's name).
 */
export async function parsePacketEntry(json: string): Promise<PacketEntry | null> {
  let raw: { v?: unknown; packet?: unknown; claim?: unknown };
  try {
    raw = JSON.parse(json) as typeof raw;
  } catch {
    return null;
  }
  const packet = parseTransfer(raw.packet);
  const claim = typeof raw.claim === 'string' ? fromBase64Url(raw.claim) : null;
  if (raw.v !== 1 || !packet.ok || packet.value.kind !== 'redpacket' || !claim) return null;
  if (!(await verifyTransferSignature(packet.value))) return null;
  if ((await claimCapabilityHash(claim)) !== packet.value.data?.cap) return null;
  return { v: 1, packet: packet.value, claim: raw.claim as string };
}

export interface StatusCheck {
  /** The packet as audited (claims, refund, shares once the seed checked out). */
  audited: AuditedPacket | null;
  /** Empty when everything holds; else what does not, first the most telling. */
  problems: string[];
}

/**
 * Checks the transfers the relay listed for a packet (the packet, its claims, the refund): each
 * signed by its payer, every payout from the escrow, the packet rules across them
 * (RedPacketAudit: order, each claimer once, requests, expiry, remainder), and, once the relay
 * says the packet is closed, a revealed seed that matches the commitment and every share.
 */
export async function checkPacketStatus(packet: SignedTransfer, escrow: AccountId, state: string, transfers: readonly SignedTransfer[]): Promise<StatusCheck> {
  const problems: string[] = [];
  if (transfers[0]?.sig !== packet.sig) problems.push('the relay showed another packet than the one sent');
  const audit = new RedPacketAudit(escrow);
  for (const t of transfers) {
    if (!(await verifyTransferSignature(t))) problems.push(`transfer ${t.id} is not signed by its payer`);
    else if (t.kind !== 'redpacket' && t.from !== escrow) problems.push(`payout ${t.id} is not from the escrow`);
    const wrong = await audit.apply(t);
    if (wrong) problems.push(wrong);
  }
  const audited = audit.packets.get(packet.id) ?? null;
  if ((state === 'claimed' || state === 'refunded') && !audited?.shares) problems.push('the packet is closed but its seed was not revealed and checked');
  return { audited, problems };
}
