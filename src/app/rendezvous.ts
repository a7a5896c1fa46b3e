// Completes contact invites over the relay's signaling pub/sub.
//  - Inviter: listens on the rendezvous room of every live invite it made; a valid hello adds
//    the contact and the shared conversation (idempotently: hellos are repeated).
//  - Invitee: repeats its hello every few seconds until the inviter shows up in the
//    conversation doc (Conversation.peerJoined → AccountDoc.confirmConversation) or it expires.
import type { Contact, ConversationEntry } from '../core/account-doc.ts';
import { toBase64Url } from '../core/bytes.ts';
import { deriveDocKeys } from '../core/derive.ts';
import type { RoomId } from '../core/ids.ts';
import { openHello, rendezvousRoom, type PendingInvite } from '../core/invite.ts';
import type { SignalingClient } from '../net/signaling.ts';
import type { Runtime } from './runtime.ts';

export const HELLO_REPEAT_MS = 2000;

export class Rendezvous {
  private readonly rooms = new Map<string, PendingInvite>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private offMessage: (() => void) | null = null;

  constructor(
    private readonly rt: Runtime,
    private readonly signaling: SignalingClient,
  ) {}

  start(): void {
    this.offMessage = this.signaling.onMessage((topic, data) => void this.receive(topic, data));
    this.signaling.onState((s) => s === 'open' && this.repeatHellos());
    this.rt.account.invitesMap.observe(() => void this.listen());
    void this.listen();
    this.timer = setInterval(() => this.repeatHellos(), HELLO_REPEAT_MS);
    this.repeatHellos();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.offMessage?.();
    for (const room of this.rooms.keys()) this.signaling.unsubscribe(room);
    this.rooms.clear();
  }

  /** Subscribes to the rendezvous room of every live invite. */
  async listen(): Promise<void> {
    const now = this.rt.now();
    this.rt.account.dropExpiredInvites(now);
    for (const invite of this.rt.account.liveInvites(now)) {
      const room = await rendezvousRoom(invite.id, invite.x);
      if (this.rooms.has(room)) continue;
      this.rooms.set(room, invite);
      this.signaling.subscribe(room);
    }
  }

  private repeatHellos(): void {
    const now = this.rt.now();
    for (const entry of this.rt.account.conversations()) {
      if (!entry.hello) continue;
      if (entry.hello.exp <= now) continue;
      this.signaling.publish(entry.hello.rendezvous, { floe: 'hello', hello: entry.hello.hello });
    }
  }

  private async receive(topic: string, data: unknown): Promise<void> {
    const invite = this.rooms.get(topic);
    if (!invite || typeof data !== 'object' || data === null || (data as { floe?: unknown }).floe !== 'hello') return;
    const opened = await openHello(invite, this.rt.me.account, (data as { hello?: unknown }).hello);
    if (!opened.ok) return; // anyone who saw the link can send junk; it changes nothing
    const { account, name, secret } = opened.value;
    if (account === this.rt.me.account) return;
    try {
      const room = (await deriveDocKeys(secret)).roomId as RoomId;
      const existing = this.rt.account.contactsMap.get(account);
      if (existing?.conversation === room) return;
      const now = this.rt.now();
      const contact: Contact = { account, name, conversation: room, added: existing?.added ?? now };
      const entry: ConversationEntry = { room, kind: 'direct', secret: toBase64Url(secret), peer: account, created: now };
      this.rt.account.addContact(contact, entry);
    } catch (error) {
      this.rt.report(`Could not add a contact from an invite: ${String(error)}`);
    }
  }
}
