// Reads a conversation doc's messages and recalls the way every reader must: each record checked
// against the trust chain (core/message.ts), then against who may write in this conversation.
//
// Invariants:
// - A record counts only if its device certificate is signed by the claimed author's account, the
//   device signed the record, and `trusts` accepts the author (a member: 1:1 or group alike).
//   Whatever fails is "unverified": never shown under any name, never quoted, never recalled.
// - Verdicts are cached per stored object, not per id or signature: a peer that copies a genuine
//   message's id and signature onto other text makes a new object, verified on its own (and
//   failing). Yjs hands out the same object for an entry on every read.
// - Signature checks are cached; the member check is not (membership can change, and it is cheap).
import type { ConversationDoc } from './conversation-doc.ts';
import type { AccountId } from './ids.ts';
import { verifyCertificate, verifyMessage, type DeviceCertificate, type SignedMessage } from './message.ts';
import { verifyRecall, type SignedRecall } from './recall.ts';

/** Decides whether an author (with a correctly signed record) may write here. */
export type TrustsAuthor = (record: { author: AccountId; hlc: string }) => boolean;

type Verdict<T> = T | null;
const isObject = (x: unknown): x is object => typeof x === 'object' && x !== null;

export class MessageVerifier {
  private readonly certs = new Map<string, Promise<DeviceCertificate | null>>();
  private readonly messages = new WeakMap<object, Verdict<SignedMessage>>();
  private readonly recalls = new WeakMap<object, Verdict<SignedRecall>>();

  constructor(
    private readonly conv: ConversationDoc,
    private readonly trusts: TrustsAuthor,
  ) {}

  /** The doc's certificate for `device`, if it is signed by the account it names. */
  async certificate(device: unknown): Promise<DeviceCertificate | undefined> {
    if (typeof device !== 'string') return undefined;
    const raw = this.conv.devices.get(device as never);
    if (!isObject(raw)) return undefined;
    const key = `${device}|${String((raw as { sig?: unknown }).sig)}`;
    let cert = this.certs.get(key);
    if (!cert) this.certs.set(key, (cert = verifyCertificate(raw)));
    return (await cert) ?? undefined;
  }

  /** Records a message this device has just signed itself, so it need not be checked again. */
  vouch(message: SignedMessage): void {
    this.messages.set(message, message);
  }

  /** Checks every entry not checked before (in parallel). */
  async verify(entries: readonly unknown[]): Promise<void> {
    const fresh = entries.filter((e): e is object => isObject(e) && !this.messages.has(e));
    await Promise.all(
      fresh.map(async (e) => {
        const r = await verifyMessage(e, await this.certificate((e as { device?: unknown }).device));
        this.messages.set(e, r.ok ? r.value : null);
      }),
    );
  }

  /** The verified message for an entry already passed to `verify`, or null. */
  message(entry: unknown): SignedMessage | null {
    const m = isObject(entry) ? this.messages.get(entry) : null;
    return m && this.trusts(m) ? m : null;
  }

  /** Every recall in the doc that is signed by a trusted author (whether it is in time is core/recall.ts). */
  async verifiedRecalls(): Promise<SignedRecall[]> {
    const out: SignedRecall[] = [];
    for (const e of this.conv.recalls.toArray()) {
      if (!isObject(e)) continue;
      if (!this.recalls.has(e)) {
        const r = await verifyRecall(e, await this.certificate((e as { device?: unknown }).device));
        this.recalls.set(e, r.ok ? r.value : null);
      }
      const r = this.recalls.get(e);
      if (r && this.trusts(r)) out.push(r);
    }
    return out;
  }
}
