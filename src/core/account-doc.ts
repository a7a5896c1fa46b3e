// The account doc: everything about the account that its own devices share (profile, contacts,
// conversations with their secrets, pending invites). Typed accessors over a Y.Doc; values are
// plain JSON records replaced whole, so concurrent edits resolve per record, last writer wins.
// Every change goes through `edit`, which the app wires to the replicator (so it reaches the
// account's other devices); by default it is a plain transaction.
import * as Y from 'yjs';
import type { AccountId, DeviceId, InviteId, RoomId } from './ids.ts';
import type { DeviceCertificate } from './message.ts';
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
  /** What the account owner calls them (QQ's 备注); shown instead of their nickname. */
  remark?: string;
  /** Buddy group (QQ-style category); none means the default group. */
  group?: string;
}

export interface DeviceEntry {
  device: DeviceId;
  name: string;
  platform: string;
  created: number;
  lastSeen: number;
  certificate: DeviceCertificate;
}

export type Settings = Record<string, string | number | boolean>;

export interface ConversationEntry {
  room: RoomId;
  kind: 'direct';
  secret: string; // base64url, 32 bytes
  peer: AccountId;
  created: number;
  /** Set on the invitee's side until the inviter has joined: the hello to deliver, and where. */
  hello?: { room: RoomId; cap: string; hello: Hello; exp: number };
  pinned?: boolean;
  muted?: boolean;
  /** How many times the secret rotated; `room` stays the conversation's local id throughout. */
  epoch?: number;
}

export type Edit = (change: () => void) => void;

export class AccountDoc {
  constructor(
    readonly doc: Y.Doc,
    private readonly edit: Edit = (change) => doc.transact(change),
  ) {}

  /** epoch → rotation entry of the account doc's own secret (core/rotation.ts). */
  get rotationsMap() {
    return this.doc.getMap<unknown>('rotations');
  }

  addRotation(epoch: number, entry: unknown): void {
    this.edit(() => this.rotationsMap.set(String(epoch), entry));
  }

  /** Replaces a conversation's secret after a rotation; the local id stays. */
  rekeyConversation(room: RoomId, secret: string, epoch: number): void {
    const current = this.conversationsMap.get(room);
    if (!current || (current.epoch ?? 0) >= epoch) return;
    this.edit(() => this.conversationsMap.set(room, { ...current, secret, epoch }));
  }

  get devicesMap() {
    return this.doc.getMap<DeviceEntry>('devices');
  }
  get revokedMap() {
    return this.doc.getMap<number>('revoked');
  }
  get settingsMap() {
    return this.doc.getMap<string | number | boolean>('settings');
  }
  /** room → the HLC of the newest message read on any of the account's devices. */
  get readMap() {
    return this.doc.getMap<string>('read');
  }

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
    this.edit(() => {
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
    this.edit(() => {
      this.contactsMap.set(contact.account, contact);
      if (!this.conversationsMap.has(conversation.room)) this.conversationsMap.set(conversation.room, conversation);
    });
  }

  /** The peer has joined: stop repeating the hello. */
  confirmConversation(room: RoomId): void {
    const entry = this.conversationsMap.get(room);
    if (entry?.hello) {
      const { hello: _done, ...rest } = entry;
      this.edit(() => this.conversationsMap.set(room, rest));
    }
  }

  /** Remark and buddy group of a contact; an empty string clears it. */
  updateContact(account: AccountId, change: { remark?: string; group?: string }): void {
    const current = this.contactsMap.get(account);
    if (!current) return;
    const next: Contact = { ...current };
    for (const key of ['remark', 'group'] as const) {
      const value = change[key];
      if (value === undefined) continue;
      if (value === '') delete next[key];
      else next[key] = value;
    }
    this.edit(() => this.contactsMap.set(account, next));
  }

  removeContact(account: AccountId): void {
    if (this.contactsMap.has(account)) this.edit(() => this.contactsMap.delete(account));
  }

  setConversationFlags(room: RoomId, flags: { pinned?: boolean; muted?: boolean }): void {
    const current = this.conversationsMap.get(room);
    if (current) this.edit(() => this.conversationsMap.set(room, { ...current, ...flags }));
  }

  /** Read positions only move forward, whichever device reports them. */
  markRead(room: RoomId, hlc: string): void {
    const current = this.readMap.get(room);
    if (current === undefined || current < hlc) this.edit(() => this.readMap.set(room, hlc));
  }

  setSetting(key: string, value: string | number | boolean): void {
    if (this.settingsMap.get(key) !== value) this.edit(() => this.settingsMap.set(key, value));
  }

  settings(): Settings {
    return Object.fromEntries(this.settingsMap.entries());
  }

  devices(): DeviceEntry[] {
    return [...this.devicesMap.values()].filter((d) => !this.revokedMap.has(d.device)).sort((a, b) => a.created - b.created);
  }

  /** Adds or refreshes a device; `lastSeen` only moves forward. */
  upsertDevice(entry: DeviceEntry): void {
    if (this.revokedMap.has(entry.device)) return; // a removed device stays removed
    const current = this.devicesMap.get(entry.device);
    if (current && current.lastSeen >= entry.lastSeen && current.name === entry.name) return;
    this.edit(() => this.devicesMap.set(entry.device, { ...entry, lastSeen: Math.max(entry.lastSeen, current?.lastSeen ?? 0) }));
  }

  revokeDevice(device: DeviceId, at: number): void {
    this.edit(() => {
      this.revokedMap.set(device, at);
      this.devicesMap.delete(device);
    });
  }

  isRevoked(device: DeviceId): boolean {
    return this.revokedMap.has(device);
  }

  addInvite(invite: PendingInvite): void {
    this.edit(() => this.invitesMap.set(invite.id, invite));
  }

  liveInvites(now: number): PendingInvite[] {
    return [...this.invitesMap.values()].filter((i) => i.exp > now);
  }

  /** Expired invite keys are deleted: after that nobody can complete those invites. */
  dropExpiredInvites(now: number): void {
    const expired = [...this.invitesMap.values()].filter((i) => i.exp <= now);
    if (expired.length === 0) return;
    this.edit(() => {
      for (const i of expired) this.invitesMap.delete(i.id as InviteId);
    });
  }
}
