// The wallet: balance, history and payments against the relay's ledger (src/core/ledger).
//
// Invariants: a payment is signed and stored in IndexedDB before it is sent (status pending), and
// sent again with the same id until the relay answers — which it does idempotently. A receipt is
// accepted only if its signature, its checkpoint and its hash of our transfer verify; incoming
// transfers are shown as verified only with an inclusion proof against a verified checkpoint.
// Refusals come back as values with the relay's typed code and its words (app/refusal-text.ts).
import { fromHex } from '../core/bytes.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import type { AccountId } from '../core/ids.ts';
import {
  decodeHashes,
  decodeTransferLines,
  encodeTransfer,
  leafHash,
  MAX_AMOUNT,
  newTransferId,
  parseTransfer,
  signTransfer,
  transferHash,
  transferJson,
  verifyCheckpoint,
  verifyInclusionProof,
  verifyReceipt,
  ZERO_HASH,
  type SignedCheckpoint,
  type SignedTransfer,
  type TransferBody,
} from '../core/ledger/index.ts';
import { MailboxClient, MailboxError } from '../net/mailbox.ts';
import type { TransferRecord } from '../store/db.ts';
import { displayName, type Runtime } from './runtime.ts';
import { auditCheckpoint, consistencyProof } from './ledger-audit.ts';
import { RedPackets, type RedPacketHost } from './redpackets.svelte.ts';
import { t as translate } from './i18n.svelte.ts';
import { refusalOf, refusedPayment, type RelayRefusal } from './refusal-text.ts';

export interface WalletEntry {
  id: string;
  direction: 'in' | 'out';
  counterparty: string;
  amount: number;
  kind: string;
  memo: string;
  created: number;
  status: 'pending' | 'settled' | 'refused';
  verified: boolean;
  /** A refusal's words from the relay (English) and its code, by which the UI translates it. */
  reason?: string;
  code?: string;
}

const rid = () => MailboxClient.newPushId();

export class Wallet {
  balance = $state<number | null>(null);
  entries = $state<WalletEntry[]>([]);
  problem = $state<string | null>(null);
  /** Contacts whose view of the ledger was checked against ours and found consistent. */
  auditedWith = $state<string[]>([]);
  private log: string | null = null;
  /** The newest checkpoint we verified; others are audited against it. */
  private newest: SignedCheckpoint | null = null;
  private readonly waitingAudits = new Map<AccountId, unknown>();
  /** Called with each newer verified checkpoint, to pass it on to contacts. */
  onCheckpoint: ((json: string) => void) | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly rt: Runtime) {
    rt.mailbox.onState((s) => s === 'open' && void this.refresh());
  }

  /** Pays `to`; resolves once the relay settled or refused it (or it is queued while offline). */
  async pay(to: AccountId, amount: number, memo = '', ref?: string): Promise<Result<'settled' | 'pending'>> {
    if (!Number.isSafeInteger(amount) || amount <= 0) return fail('pay/invalid-amount', 'Enter a whole number of coins greater than zero.');
    if (amount > MAX_AMOUNT) return fail('input/too-long', `One payment can be at most ${MAX_AMOUNT} coins.`, { max: MAX_AMOUNT });
    if (to === this.rt.me.account) return fail('pay/self', 'You cannot pay yourself.');
    const { seq, prev } = await this.nextLink();
    const transfer = await signTransfer(this.rt.me.accountPrivateKey, {
      v: 1,
      id: newTransferId(),
      from: this.rt.me.account,
      to,
      amount,
      seq,
      prev,
      kind: ref ? 'tip' : 'transfer',
      memo,
      ...(ref ? { ref } : {}),
      created: this.rt.now(),
    });
    await this.rt.db.transfers.put({ id: transfer.id, seq, transfer: transferJson(transfer), status: 'pending' });
    await this.show();
    const outcome = await this.send(transfer);
    await this.refresh();
    if (outcome === 'settled' || outcome === 'pending') return ok(outcome);
    return refusedPayment(outcome);
  }

  private readonly packetsByChat = new WeakMap<object, RedPackets>();
  /** The red packets of one conversation (one instance per conversation doc). */
  redPackets(host: RedPacketHost): RedPackets {
    let packets = this.packetsByChat.get(host.packets);
    if (!packets) this.packetsByChat.set(host.packets, (packets = new RedPackets(this.rt, this, host)));
    return packets;
  }

  /**
   * Sends a red packet (app/redpackets.svelte.ts builds it): signed in our chain, stored with its
   * seed before it is sent, and sent again like any payment until the relay answers.
   */
  async sendPacket(body: Omit<TransferBody, 'from' | 'seq' | 'prev'>, seed: string): Promise<Result<{ transfer: SignedTransfer; outcome: 'settled' | 'pending' }>> {
    const { seq, prev } = await this.nextLink();
    const transfer = await signTransfer(this.rt.me.accountPrivateKey, { ...body, from: this.rt.me.account, seq, prev });
    await this.rt.db.transfers.put({ id: transfer.id, seq, transfer: transferJson(transfer), status: 'pending', seed });
    await this.show();
    const outcome = await this.send(transfer, seed);
    await this.refresh();
    if (outcome === 'settled' || outcome === 'pending') return ok({ transfer, outcome });
    return refusedPayment(outcome);
  }

  /** Our next seq and prev: after our newest transfer that is not refused. */
  private async nextLink(): Promise<{ seq: number; prev: string }> {
    const mine = (await this.rt.db.transfers.orderBy('seq').toArray()).filter((r) => r.status !== 'refused');
    const last = mine.at(-1);
    if (last) {
      const t = parseTransfer(JSON.parse(last.transfer));
      if (t.ok) return { seq: t.value.seq + 1, prev: await transferHash(t.value) };
    }
    if (this.rt.mailbox.connected) {
      try {
        const f = await this.rt.mailbox.request({ t: 'balance', id: rid(), account: this.rt.me.account });
        if (f.header.t === 'balance') return { seq: f.header.seq + 1, prev: f.header.head };
      } catch {
        // fall through: a first transfer
      }
    }
    return { seq: 1, prev: ZERO_HASH };
  }

  private send(t: SignedTransfer, seed?: string): Promise<'settled' | 'pending' | RelayRefusal> {
    const run = this.sending.then(async () => {
      if (!this.rt.mailbox.connected) return 'pending' as const;
      try {
        // The request id is the transfer's own id: a resend is recognised as the same payment.
        const transfer = JSON.parse(transferJson(t)) as unknown;
        const f = await this.rt.mailbox.request(seed === undefined ? { t: 'transfer', id: t.id, transfer } : { t: 'redpacket-create', id: t.id, transfer, seed });
        const receipt = f.header.t === 'receipt' || f.header.t === 'redpacket' ? f.header.receipt : undefined;
        if (!receipt) return 'pending' as const;
        const log = await this.ledgerLog();
        const verified = log ? await verifyReceipt(receipt, { log, transfer: t }) : null;
        if (!verified?.ok) {
          this.problem = translate('problem.receipt', { reason: verified ? verified.message : 'no ledger key' });
          return 'pending' as const;
        }
        await this.rt.db.transfers.update(t.id, { status: 'settled', receipt: JSON.stringify(receipt) });
        return 'settled' as const;
      } catch (error) {
        if (error instanceof MailboxError && (error.code === 'disconnected' || error.code === 'unavailable' || error.code === 'rate-limited')) return 'pending' as const;
        const refusal = refusalOf(error);
        await this.rt.db.transfers.update(t.id, { status: 'refused', reason: refusal.message, ...(refusal.code ? { code: refusal.code } : {}) });
        return refusal;
      }
    });
    this.sending = run.then(() => undefined);
    return run;
  }

  private async ledgerLog(): Promise<string | null> {
    if (this.log) return this.log;
    const f = await this.rt.mailbox.request({ t: 'ledger-info', id: rid() });
    if (f.header.t === 'ledger-info') this.log = f.header.log;
    return this.log;
  }

  /** Sends what is pending, then reloads balance and history from the relay, verifying both. */
  async refresh(): Promise<void> {
    await this.show();
    if (!this.rt.mailbox.connected) return;
    try {
      const pending = (await this.rt.db.transfers.orderBy('seq').toArray()).filter((r: TransferRecord) => r.status === 'pending');
      for (const r of pending) {
        const t = parseTransfer(JSON.parse(r.transfer));
        if (t.ok) await this.send(t.value, r.seed);
      }
      const b = await this.rt.mailbox.request({ t: 'balance', id: rid(), account: this.rt.me.account });
      if (b.header.t === 'balance') this.balance = b.header.balance;
      await this.show(await this.incoming());
    } catch (error) {
      if (!(error instanceof MailboxError && error.code === 'disconnected')) this.problem = translate('problem.wallet', { error: String(error) });
    }
  }

  /** Transfers to us from the log, each checked against a verified checkpoint. */
  private async incoming(): Promise<WalletEntry[]> {
    const log = await this.ledgerLog();
    const h = await this.rt.mailbox.request({ t: 'history', id: rid(), account: this.rt.me.account, limit: 50 });
    if (h.header.t !== 'history' || !log) return [];
    const lines = decodeTransferLines(h.body);
    if (!lines.ok) return [];
    const cpFrame = await this.rt.mailbox.request({ t: 'checkpoint', id: rid() });
    const cp = cpFrame.header.t === 'checkpoint' ? await verifyCheckpoint(cpFrame.header.checkpoint, log) : null;
    if (cp?.ok) await this.audit(cp.value);
    const indices = h.header.indices;
    const out: WalletEntry[] = [];
    for (let i = 0; i < lines.value.length; i++) {
      const t = lines.value[i]!;
      if (t.to !== this.rt.me.account) continue;
      out.push({ ...this.describe(t, 'in'), status: 'settled', verified: cp?.ok ? await this.included(t, indices[i]!, cp.value) : false });
    }
    return out;
  }

  /**
   * Audits a checkpoint from the relay or from a contact against the newest we have verified.
   * A split view is shown to the user and kept; anything consistent and newer becomes ours.
   */
  async audit(theirs: unknown, from?: AccountId): Promise<void> {
    if (from && !this.newest) {
      // Nothing of our own to compare with yet: audit it once the relay has shown us a checkpoint.
      this.waitingAudits.set(from, theirs);
      return;
    }
    const log = this.rt.mailbox.connected ? await this.ledgerLog() : this.log;
    if (!log) return;
    const outcome = await auditCheckpoint(log, this.newest, theirs, (older, newer) => consistencyProof(this.rt.mailbox, older, newer));
    if (outcome.kind === 'split-view') {
      this.problem = translate('problem.splitView');
      this.rt.report(this.problem);
    } else if (outcome.kind === 'consistent') {
      if (from) {
        const name = displayName(this.rt, from) ?? from.slice(0, 8);
        if (!this.auditedWith.includes(name)) this.auditedWith = [...this.auditedWith, name];
      }
      if (outcome.newest !== this.newest) {
        const first = !this.newest;
        this.newest = outcome.newest;
        this.onCheckpoint?.(JSON.stringify(outcome.newest));
        if (first) {
          const waiting = [...this.waitingAudits];
          this.waitingAudits.clear();
          for (const [who, cp] of waiting) await this.audit(cp, who);
        }
      }
    }
  }

  private async included(t: SignedTransfer, index: number, cp: SignedCheckpoint): Promise<boolean> {
    if (index >= cp.size) return false;
    const f = await this.rt.mailbox.request({ t: 'inclusion', id: rid(), index, size: cp.size });
    const proof = decodeHashes(f.body);
    return proof !== null && verifyInclusionProof(index, cp.size, await leafHash(encodeTransfer(t)), proof, fromHex(cp.root));
  }

  private describe(t: SignedTransfer, direction: 'in' | 'out') {
    const other = (direction === 'in' ? t.from : t.to) as AccountId;
    const name = displayName(this.rt, other) ?? (t.kind === 'mint' ? 'the relay' : t.kind.startsWith('redpacket') ? 'a red packet' : `${other.slice(0, 8)}…`);
    return { id: t.id, direction, counterparty: name, amount: t.amount, kind: t.kind, memo: t.memo, created: t.created };
  }

  /** Our own transfers from IndexedDB, merged with `incoming`, newest first. */
  private async show(incoming: WalletEntry[] = this.entries.filter((e) => e.direction === 'in')): Promise<void> {
    const mine: WalletEntry[] = [];
    for (const r of await this.rt.db.transfers.toArray()) {
      const t = parseTransfer(JSON.parse(r.transfer));
      if (!t.ok) continue;
      mine.push({ ...this.describe(t.value, 'out'), status: r.status, verified: r.status === 'settled' && !!r.receipt, ...(r.reason ? { reason: r.reason } : {}), ...(r.code ? { code: r.code } : {}) });
    }
    this.entries = [...mine, ...incoming].sort((a, b) => b.created - a.created);
  }
}
