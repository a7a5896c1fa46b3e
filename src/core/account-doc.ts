// The account doc: everything about the account that its own devices share (profile, contacts,
// conversations with their secrets, pending invites). Typed accessors over a Y.Doc; values are
// plain JSON records replaced whole, so concurrent edits resolve per record, last writer wins.
import * as Y from 'yjs';
import type { AccountId, InviteId, RoomId } from './ids.ts';
import type { Hello, PendingInvite } from './invite.ts';

export interface Profile {
  name: string;
  created: number;
}

export interface Contact {
  account: AccountId;
  name: string;
  conversation: RoomId;
  added: number;
}

export interface ConversationEntry {
  room: RoomId;
  kind: 'direct';
  secret: string; // base64url, 32 bytes
  peer: AccountId;
  created: number;
  /** Set on the invitee's side until the inviter has joined: the hello to deliver, and where. */
  hello?: { room: RoomId; cap: string; hello: Hello; exp: number };
}

export class AccountDoc {
  constructor(readonly doc: Y.Doc) {}

  get profileMap() {
    return this.doc.getMap<unknown>('profile');
  }
  get contactsMap() {
    return this.doc.getMap<Contact>('contacts');
  }
  get conversationsMap() {
    return this.doc.getMap<ConversationEntry>('conversations');
  }
  get invitesMap() {
    return this.doc.getMap<PendingInvite>('invites');
  }

  profile(): Profile | null {
    const name = this.profileMap.get('name');
    const created = this.profileMap.get('created');
    return typeof name === 'string' && typeof created === 'number' ? { name, created } : null;
  }

  setProfile(p: Profile): void {
    this.doc.transact(() => {
      this.profileMap.set('name', p.name);
      this.profileMap.set('created', p.created);
    });
  }

  contacts(): Contact[] {
    return [...this.contactsMap.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  conversations(): ConversationEntry[] {
    return [...this.conversationsMap.values()];
  }

  /** Adds (or refreshes) a contact and its 1:1 conversation in one transaction. */
  addContact(contact: Contact, conversation: ConversationEntry): void {
    this.doc.transact(() => {
      this.contactsMap.set(contact.account, contact);
      if (!this.conversationsMap.has(conversation.room)) this.conversationsMap.set(conversation.room, conversation);
    });
  }

  /** The peer has joined: stop repeating the hello. */
  confirmConversation(room: RoomId): void {
    const entry = this.conversationsMap.get(room);
    if (entry?.hello) {
      const { hello: _done, ...rest } = entry;
      this.conversationsMap.set(room, rest);
    }
  }

  addInvite(invite: PendingInvite): void {
    this.invitesMap.set(invite.id, invite);
  }

  liveInvites(now: number): PendingInvite[] {
    return [...this.invitesMap.values()].filter((i) => i.exp > now);
  }

  /** Expired invite keys are deleted: after that nobody can complete those invites. */
  dropExpiredInvites(now: number): void {
    const expired = [...this.invitesMap.values()].filter((i) => i.exp <= now);
    if (expired.length === 0) return;
    this.doc.transact(() => {
      for (const i of expired) this.invitesMap.delete(i.id as InviteId);
    });
  }
}
