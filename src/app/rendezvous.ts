// Completes contact invites through the relay mailbox, so neither side needs the other online.
//  - Inviter: opens the rendezvous room of every live invite it made; each hello found there
//    adds the contact and the shared conversation (idempotently: a room is read from the start).
//  - Invitee: pushes its hello to that room whenever connected, until the inviter shows up in the
//    conversation doc (Conversation.peerJoined → AccountDoc.confirmConversation). The push id is
//    derived from the hello, so repeats are recognised by the relay and stored once.
import type { Contact, ConversationEntry } from '../core/account-doc.ts';
import { fromUtf8, toBase64Url, utf8 } from '../core/bytes.ts';
import { deriveDocKeys } from '../core/derive.ts';
import type { RoomId } from '../core/ids.ts';
import { openHello, rendezvous, type PendingInvite } from '../core/invite.ts';
import type { MailboxClient } from '../net/mailbox.ts';
import { t } from './i18n.svelte.ts';
import type { Runtime } from './runtime.ts';

export class Rendezvous {
  private readonly rooms = new Map<string, PendingInvite>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly rt: Runtime,
    private readonly mailbox: MailboxClient,
  ) {}

  start(): void {
    this.offs.push(this.mailbox.onState((s) => s === 'open' && this.sendHellos()));
    const onInvites = () => void this.listen();
    const onConversations = () => this.sendHellos();
    this.rt.account.invitesMap.observe(onInvites);
    this.rt.account.conversationsMap.observe(onConversations);
    this.offs.push(() => this.rt.account.invitesMap.unobserve(onInvites));
    this.offs.push(() => this.rt.account.conversationsMap.unobserve(onConversations));
    void this.listen();
    this.sendHellos();
  }

  stop(): void {
    for (const off of this.offs) off();
    for (const room of this.rooms.keys()) this.mailbox.close(room);
    this.rooms.clear();
  }

  /** Opens the rendezvous room of every live invite. */
  private async listen(): Promise<void> {
    const now = this.rt.now();
    this.rt.account.dropExpiredInvites(now);
    for (const invite of this.rt.account.liveInvites(now)) {
      const { room, cap } = await rendezvous(invite.id, invite.x);
      if (this.rooms.has(room)) continue;
      this.rooms.set(room, invite);
      this.mailbox.open(room, cap, {
        cursor: () => 0,
        entry: (_seq, _kind, body) => this.receive(invite, body),
        synced: async () => undefined,
      });
    }
  }

  private sendHellos(): void {
    if (!this.mailbox.connected) return;
    const now = this.rt.now();
    for (const entry of this.rt.account.conversations()) {
      const h = entry.hello;
      if (!h || h.exp <= now) continue;
      const body = utf8(JSON.stringify(h.hello));
      this.mailbox.push(h.room, h.cap, body, h.hello.e.slice(0, 22)).catch((error: unknown) => {
        // Disconnects are retried on the next connection; anything else the user should know.
        if ((error as { code?: string }).code !== 'disconnected') this.rt.report(t('problem.inviteAnswer', { error: String(error) }));
      });
    }
  }

  private async receive(invite: PendingInvite, body: Uint8Array): Promise<void> {
    let hello: unknown;
    try {
      hello = JSON.parse(fromUtf8(body));
    } catch {
      return; // anyone who saw the link can post junk here; it changes nothing
    }
    const opened = await openHello(invite, this.rt.me.account, hello);
    if (!opened.ok || opened.value.account === this.rt.me.account) return;
    const { account, name, secret } = opened.value;
    const room = (await deriveDocKeys(secret)).roomId as RoomId;
    const existing = this.rt.account.contactsMap.get(account);
    if (existing?.conversation === room) return;
    const now = this.rt.now();
    const contact: Contact = { account, name, conversation: room, added: existing?.added ?? now };
    const entry: ConversationEntry = { room, kind: 'direct', secret: toBase64Url(secret), peer: account, created: now };
    this.rt.account.addContact(contact, entry);
  }
}
