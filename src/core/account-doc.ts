// The account doc: everything about the account that its own devices share (profile, contacts,
// conversations with their secrets, pending invites). Typed accessors over a Y.Doc; values are
// plain JSON records replaced whole, so concurrent edits resolve per record, last writer wins.
// Every change goes through `edit`, which the app wires to the replicator (so it reaches the
// account's other devices); by default it is a plain transaction.
//
// Y.Map settles concurrent writes of one key by client id, not by value, so values that must only
// grow are never written to a shared key: each writer (device) has its own key — read positions
// `room|writer`, last-seen times `device|writer`, conversation secrets `room|epoch` — and readers
// take the maximum. A whole-record write from a device that missed a change cannot undo it.
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
  kind: 'direct' | 'group';
  secret: string; // base64url, 32 bytes
  /** The contact (1:1); in a group, who created it or invited us (a member from the start). */
  peer: AccountId;
  /** Groups: the group id (core/group-actions.ts) and its name as last seen, for the list. */
  gid?: string;
  title?: string;
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
    /** This device's id in the app; a Yjs client id is unique enough for tests. */
    private readonly writer: string = String(doc.clientID),
  ) {}

  /** `device|writer` → when `writer` last saw `device`. */
  get seenMap() {
    return this.doc.getMap<number>('seen');
  }
  /** `room|epoch` → the conversation's secret at that epoch. */
  get keysMap() {
    return this.doc.getMap<string>('keys');
  }

  private maxOf<T extends string | number>(map: Y.Map<T>, prefix: string): T | undefined {
    let best: T | undefined;
    for (const [k, v] of map.entries()) if (k.startsWith(prefix) && (best === undefined || v > best)) best = v;
    return best;
  }

  /** The newest message read on any of the account's devices. */
  readPosition(room: RoomId): string | undefined {
    return this.maxOf(this.readMap, `${room}|`);
  }

  /** A conversation with its current secret and epoch. */
  conversation(room: RoomId): ConversationEntry | undefined {
    const entry = this.conversationsMap.get(room);
    if (!entry) return undefined;
    let epoch = entry.epoch ?? 0;
    let secret = entry.secret;
    for (const [k, v] of this.keysMap.entries()) {
      const [r, e] = k.split('|');
      if (r === room && Number(e) > epoch) {
        epoch = Number(e);
        secret = v;
      }
    }
    return epoch === (entry.epoch ?? 0) ? entry : { ...entry, secret, epoch };
  }

  device(id: DeviceId): DeviceEntry | undefined {
    const entry = this.devicesMap.get(id);
    if (!entry) return undefined;
    const seen = this.maxOf(this.seenMap, `${id}|`);
    return seen !== undefined && seen > entry.lastSeen ? { ...entry, lastSeen: seen } : entry;
  }

  /** epoch → rotation entry of the account doc's own secret (core/rotation.ts). */
  get rotationsMap() {
    return this.doc.getMap<unknown>('rotations');
  }

  addRotation(epoch: number, entry: unknown): void {
    this.edit(() => this.rotationsMap.set(String(epoch), entry));
  }

  /** Records a conversation's secret after a rotation; the local id stays, the highest epoch wins. */
  rekeyConversation(room: RoomId, secret: string, epoch: number): void {
    const current = this.conversation(room);
    if (!current || (current.epoch ?? 0) >= epoch) return;
    this.edit(() => this.keysMap.set(`${room}|${epoch}`, secret));
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
    return [...this.conversationsMap.keys()].map((room) => this.conversation(room as RoomId)!);
  }

  /** Adds (or refreshes) a contact and its 1:1 conversation in one transaction. */
  addContact(contact: Contact, conversation: ConversationEntry): void {
    this.edit(() => {
      this.contactsMap.set(contact.account, contact);
      if (!this.conversationsMap.has(conversation.room)) this.conversationsMap.set(conversation.room, conversation);
    });
  }

  /** A group created here or joined by invite link (core/group-invite.ts). */
  addGroup(entry: ConversationEntry): void {
    if (!this.conversationsMap.has(entry.room)) this.edit(() => this.conversationsMap.set(entry.room, entry));
  }

  /** The group this account is in with group id `gid`, if any. */
  groupById(gid: string): ConversationEntry | undefined {
    return this.conversations().find((c) => c.kind === 'group' && c.gid === gid);
  }

  /** Forgets a group after leaving it; its local history stays in IndexedDB until cleared. */
  removeConversation(room: RoomId): void {
    if (this.conversationsMap.has(room)) this.edit(() => this.conversationsMap.delete(room));
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
    const current = this.readPosition(room);
    if (current === undefined || current < hlc) this.edit(() => this.readMap.set(`${room}|${this.writer}`, hlc));
  }

  setSetting(key: string, value: string | number | boolean): void {
    if (this.settingsMap.get(key) !== value) this.edit(() => this.settingsMap.set(key, value));
  }

  settings(): Settings {
    return Object.fromEntries(this.settingsMap.entries());
  }

  devices(): DeviceEntry[] {
    return [...this.devicesMap.keys()]
      .filter((d) => !this.revokedMap.has(d))
      .map((d) => this.device(d as DeviceId)!)
      .sort((a, b) => a.created - b.created);
  }

  /** Adds or refreshes a device; `lastSeen` only moves forward. */
  upsertDevice(entry: DeviceEntry): void {
    if (this.revokedMap.has(entry.device)) return; // a removed device stays removed
    const current = this.device(entry.device);
    const describe = !current || current.name !== entry.name || current.platform !== entry.platform;
    const seen = !current || entry.lastSeen > current.lastSeen;
    if (!describe && !seen) return;
    this.edit(() => {
      if (describe) this.devicesMap.set(entry.device, { ...entry, lastSeen: current?.lastSeen ?? entry.lastSeen });
      if (seen) this.seenMap.set(`${entry.device}|${this.writer}`, entry.lastSeen);
    });
  }

  revokeDevice(device: DeviceId, at: number): void {
    this.edit(() => {
      this.revokedMap.set(device, at);
      this.devicesMap.delete(device);
      for (const k of [...this.seenMap.keys()]) if (k.startsWith(`${device}|`)) this.seenMap.delete(k);
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
