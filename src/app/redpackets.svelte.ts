// Red packets in a conversation (docs/protocol.md, "Red packets"): send one, open one, and show
// who got how much, checked against the ledger's rules and the revealed seed.
//
// How a packet travels: the sender's wallet signs the packet transfer and stores it (with its
// seed) before sending it, like any payment (wallet.svelte.ts sendPacket). Once the relay has it,
// a chat message announces it, and the conversation doc's "redpackets" map links that message
// to the signed packet transfer and its claim secret. The doc is sealed end to end, so only
// members read the claim secret; the relay only ever sees its hash (in the signed transfer)
// and, when someone claims, the secret itself for that one packet.
//
// Invariants:
// - A packet is shown only if its transfer is signed by its sender and the claim secret in the
//   doc hashes to the `cap` the sender signed: a member cannot slip in a packet that is not
//   claimable, nor one under another sender's name.
// - Every status from the relay is checked like an auditor would (RedPacketAudit): each payout
//   signed by the escrow, each claim asked for by its claimer, each member once, and once the
//   seed is out, every share recomputed from it. Anything off is shown as a warning, never hidden.
import type * as Y from 'yjs';
import { fail, ok, type Result } from '../core/errors.ts';
import type { AccountId, MessageId } from '../core/ids.ts';
import {
  checkPacketTerms,
  decodeTransferLines,
  deriveClaimSecret,
  MAX_MEMO_BYTES,
  newTransferId,
  packetData,
  preparePacket,
  signClaimRequest,
  transferJson,
  ZERO_HASH,
  type SignedTransfer,
  type SplitMode,
} from '../core/ledger/index.ts';
import { toBase64Url, utf8 } from '../core/bytes.ts';
import { checkPacketStatus, parsePacketEntry, type PacketEntry } from './redpacket-check.ts';
import { MailboxClient, MailboxError } from '../net/mailbox.ts';
import type { Runtime } from './runtime.ts';
import type { Wallet } from './wallet.svelte.ts';
import { refusalOf, refusedPayment, type RelayRefusal } from './refusal-text.ts';

/** What a conversation offers red packets (Conversation.redPacketHost). */
export interface RedPacketHost {
  /** Message id → PacketEntry JSON, in the conversation's doc. */
  packets: Y.Map<string>;
  local(edit: () => void): void;
  /** The conversation's current secret (32 bytes), or null if unknown. */
  secret(): Uint8Array | null;
  send(text: string): Promise<Result<MessageId>>;
  members(): AccountId[];
  nameOf(account: AccountId): string;
}

export interface ClaimView {
  account: AccountId;
  name: string;
  amount: number;
  me: boolean;
  luckiest: boolean;
}

export interface PacketView {
  packet: string;
  senderName: string;
  mine: boolean;
  /** False for the sender in a chat of two, as in QQ: a packet there is a gift to the other. */
  claimable: boolean;
  amount: number;
  shares: number;
  split: SplitMode;
  greeting: string;
  /** When what is left goes back to the sender (ms, the sender's clock). */
  expires: number;
  state: 'unknown' | 'open' | 'claimed' | 'refunded';
  claims: ClaimView[];
  /** What I got, once I opened it. */
  got: number | null;
  refunded: number | null;
  /** 'waiting' until the seed is revealed; then 'verified' or 'failed' (with `problem`). */
  check: 'waiting' | 'verified' | 'failed';
  problem: string | null;
  busy: boolean;
  /** Why the last open or status request failed: the relay's code, translated by the UI (refusalText). */
  error: RelayRefusal | null;
}

const rid = () => MailboxClient.newPushId();
export const DEFAULT_GREETING = 'Best wishes';

export class RedPackets {
  /** By message id. */
  views = $state<Record<string, PacketView>>({});
  private readonly entries = new Map<string, PacketEntry>();
  private info: { log: AccountId; expiryMs: number } | null = null;

  constructor(
    private readonly rt: Runtime,
    private readonly wallet: Wallet,
    private readonly host: RedPacketHost,
  ) {
    host.packets.observe(() => void this.load());
    void this.load();
  }

  /** Sends a packet into this conversation; the form's fields as typed. */
  async send(input: { amount: string; shares: string; split: SplitMode; greeting: string }): Promise<Result<void>> {
    const amount = Number(input.amount.trim());
    const shares = Number(input.shares.trim());
    const refusal = checkPacketTerms({ amount, shares, split: input.split });
    if (refusal) return refusedPayment(refusal);
    const greeting = input.greeting.trim() || DEFAULT_GREETING;
    if (utf8(greeting).length > MAX_MEMO_BYTES) return fail('input/too-long', 'The greeting is too long.', { max: MAX_MEMO_BYTES });
    const secret = this.host.secret();
    const info = await this.ledgerInfo();
    if (!secret || !info) return refusedPayment({ code: 'disconnected', message: 'Red packets need the relay: try again when you are online.' });
    const id = newTransferId();
    const created = this.rt.now();
    const p = await preparePacket({ id, from: this.rt.me.account, escrow: info.log, terms: { amount, shares, split: input.split }, greeting, created, expires: created + info.expiryMs, chain: { seq: 0, prev: ZERO_HASH }, conversationSecret: secret });
    const { from: _from, seq: _seq, prev: _prev, ...body } = p.body;
    const sent = await this.wallet.sendPacket(body, toBase64Url(p.seed));
    if (!sent.ok) return sent;
    const claim = toBase64Url(await deriveClaimSecret(secret, id));
    const message = await this.host.send(`🧧 ${greeting}`);
    if (!message.ok) return fail(message.error.code, message.error.message);
    const entry: PacketEntry = { v: 1, packet: JSON.parse(transferJson(sent.value.transfer)) as SignedTransfer, claim };
    this.host.local(() => this.host.packets.set(message.value, JSON.stringify(entry)));
    return ok(undefined);
  }

  /** Claims a share of the packet announced by `message`, then shows the packet's state. */
  async open(message: string): Promise<void> {
    const entry = this.entries.get(message);
    if (!entry) return;
    this.patch(message, { busy: true, error: null });
    try {
      const sig = await signClaimRequest(this.rt.me.accountPrivateKey, entry.packet.id, this.rt.me.account);
      // The answer carries the claim's receipt, not the list: the status that follows has it.
      await this.rt.mailbox.request({ t: 'redpacket-claim', id: rid(), packet: entry.packet.id, claimer: this.rt.me.account, sig, cap: entry.claim });
      await this.status(message);
      void this.wallet.refresh();
    } catch (error) {
      const refusal = refusalOf(error);
      // Already opened, taken or expired: the status says what happened; keep the reason too.
      this.patch(message, { error: refusal.code === 'already-claimed' ? null : refusal });
      await this.status(message);
    } finally {
      this.patch(message, { busy: false });
    }
  }

  /** Fetches and checks the packet's state from the relay. */
  async status(message: string): Promise<void> {
    const entry = this.entries.get(message);
    if (!entry || !this.rt.mailbox.connected) return;
    try {
      const f = await this.rt.mailbox.request({ t: 'redpacket-status', id: rid(), packet: entry.packet.id });
      await this.apply(message, entry, f.header, f.body);
    } catch (error) {
      if (!(error instanceof MailboxError && error.code === 'disconnected')) this.patch(message, { error: refusalOf(error) });
    }
  }

  private async ledgerInfo(): Promise<{ log: AccountId; expiryMs: number } | null> {
    if (this.info) return this.info;
    if (!this.rt.mailbox.connected) return null;
    const f = await this.rt.mailbox.request({ t: 'ledger-info', id: rid() });
    if (f.header.t !== 'ledger-info' || f.header.packetExpiryMs === undefined) return null;
    this.info = { log: f.header.log as AccountId, expiryMs: f.header.packetExpiryMs };
    return this.info;
  }

  /** Reads the doc's entries; a new valid one gets a view (its card fetches the status). */
  private async load(): Promise<void> {
    for (const [message, json] of this.host.packets.entries()) {
      if (this.entries.has(message)) continue;
      const entry = await parsePacketEntry(json);
      if (!entry || this.entries.has(message)) continue;
      this.entries.set(message, entry);
      const terms = packetData(entry.packet);
      if (!terms.ok) continue;
      const mine = entry.packet.from === this.rt.me.account;
      this.views[message] = {
        packet: entry.packet.id,
        senderName: this.host.nameOf(entry.packet.from),
        mine,
        // The conversation's members (from its doc): in a 1:1 chat only the other person opens it.
        claimable: !(mine && this.host.members().length <= 2),
        amount: entry.packet.amount,
        shares: terms.value.shares,
        split: terms.value.split,
        greeting: entry.packet.memo,
        expires: terms.value.expires,
        state: 'unknown',
        claims: [],
        got: null,
        refunded: null,
        check: 'waiting',
        problem: null,
        busy: false,
        error: null,
      };
    }
  }

  /** Checks a status answer as an auditor would and updates the view. */
  private async apply(message: string, entry: PacketEntry, header: { t: string; state?: string }, body: Uint8Array): Promise<void> {
    const info = await this.ledgerInfo();
    if (header.t !== 'redpacket' || !info) return;
    const lines = decodeTransferLines(body);
    const state = header.state as PacketView['state'];
    const { audited, problems } = await checkPacketStatus(entry.packet, info.log, state, lines.ok ? lines.value : []);
    if (!lines.ok) problems.unshift(lines.refusal.message);
    const closed = state === 'claimed' || state === 'refunded';
    const claims = audited?.claims ?? [];
    const best = closed && claims.length > 1 ? Math.max(...claims.map((c) => c.amount)) : null;
    const me = this.rt.me.account;
    this.patch(message, {
      state,
      claims: claims.map((c) => ({ account: c.to as AccountId, name: this.host.nameOf(c.to as AccountId), amount: c.amount, me: c.to === me, luckiest: best !== null && c.amount === best })),
      got: claims.find((c) => c.to === me)?.amount ?? null,
      refunded: audited?.refund?.amount ?? null,
      check: problems.length > 0 ? 'failed' : closed ? 'verified' : 'waiting',
      problem: problems[0] ?? null,
    });
  }

  private patch(message: string, change: Partial<PacketView>): void {
    const view = this.views[message];
    if (view) this.views[message] = { ...view, ...change };
  }
}
