// The application session: this device's identity, the account doc, open conversations and the
// commands the UI calls. UI components read its $state and never touch store/ or net/.
import type { Contact, DeviceEntry, Settings } from '../core/account-doc.ts';
import { defaultAvatarUrl } from '../core/avatar.ts';
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { makeRotation, openRotation } from '../core/rotation.ts';
import { verifyCertificate, type DeviceCertificate } from '../core/message.ts';
import { deriveDocKeys } from '../core/derive.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import { secureRandom, type AccountId, type DeviceId, type RoomId } from '../core/ids.ts';
import { DEFAULT_GROUP_LIMIT, isGroupLink, MAX_GROUP_NAME, newGroupId } from '../core/group-actions.ts';
import { FloeDb, type IdentityRecord } from '../store/db.ts';
import { MailboxClient, type ConnectionState } from '../net/mailbox.ts';
import { DexieCursors, DexieOutbox } from '../store/outbox.ts';
import type { RelayUrls } from './env.ts';
import { DeviceClock } from './clock.ts';
import { Conversation } from './conversation.svelte.ts';
import type { Rendezvous } from './rendezvous.ts';
import type * as Y from 'yjs';
import { ACCOUNT_DOC_ID, openAccount, type OpenedAccount } from './account.ts';
// Wallet (with the ledger), device linking and backups are loaded on first use with import(), so
// the first screen's script stays within its budget (bench/bundle-size.ts); the service worker
// precaches those chunks too, so they load offline.
import type { Wallet } from './wallet.svelte.ts';
import type { JoinProgress, LinkHost } from './linking.svelte.ts';
import type { Runtime } from './runtime.ts';
import { MessageSearch } from './search.svelte.ts';
import { t } from './i18n.svelte.ts';
import { PresenceHub } from './presence.svelte.ts';
import type { NotificationEnv, Notifications } from './notifications.svelte.ts';
import { unreadCount } from '../core/receipts.ts';

export type SessionStatus = 'loading' | 'onboarding' | 'ready' | 'failed';

export interface SessionOptions {
  relay: RelayUrls;
  dbName?: string;
  now?: () => number;
  userAgent?: string;
  /** False: conversations never join WebRTC, only the relay carries them (tests, benchmarks). */
  webrtc?: boolean;
  /** The browser's notification APIs; tests pass their own. */
  notificationEnv?: NotificationEnv;
}

export interface Me {
  account: AccountId;
  name: string;
  avatar: string;
}

export class Session {
  status = $state<SessionStatus>('loading');
  /** A background failure the user should see; null when all is well. */
  problem = $state<string | null>(null);
  me = $state<Me | null>(null);
  contacts = $state<Contact[]>([]);
  conversations = $state<Conversation[]>([]);
  relay = $state<ConnectionState>('closed');
  devices = $state<DeviceEntry[]>([]);
  /** The account's settings (account doc), the same on every linked device. */
  settings = $state<Settings>({});
  wallet = $state<Wallet | null>(null);
  /** This device's id, to tell it apart in the device list. */
  thisDevice = $state<string>('');
  /** Presence and typing; null until an account is open. */
  presence = $state<PresenceHub | null>(null);
  /** room → the newest message read on any of my devices (account doc), for unread counts. */
  readPositions = $state<Record<string, string | undefined>>({});
  /** Conversations with the most recent message first. */
  chats = $derived(
    this.conversations.filter((c) => c.group?.gone !== 'left').sort((a, b) => (b.messages.at(-1)?.hlc ?? '').localeCompare(a.messages.at(-1)?.hlc ?? '')),
  );

  /** Full-text search over this device's verified messages (the Search box). */
  readonly search: MessageSearch;
  /** System notifications and Web Push on this device (Settings → Notifications); loaded after boot. */
  notifications = $state<Notifications | null>(null);

  private readonly db: FloeDb;
  private readonly now: () => number;
  private rt: Runtime | null = null;
  private readonly mailbox: MailboxClient;
  private opened: OpenedAccount | null = null;
  private rendezvous: Rendezvous | null = null;
  private readonly opening = new Map<RoomId, Promise<Conversation>>();
  /** After close(): modules still loading (wallet, notifications…) start nothing. */
  private closed = false;

  constructor(private readonly opts: SessionOptions) {
    this.db = new FloeDb(opts.dbName ?? 'floe');
    this.now = opts.now ?? Date.now;
    this.mailbox = new MailboxClient({ url: opts.relay.mailbox });
    this.mailbox.onState((s) => (this.relay = s));
    this.search = new MessageSearch({ db: this.db, titleOf: (room) => this.conversation(room)?.title, report: (m) => (this.problem = m) });
  }

  async start(): Promise<void> {
    this.mailbox.start();
    try {
      const identity = await this.db.identity.get('self');
      if (identity) await this.boot(identity);
      else this.status = 'onboarding';
    } catch (error) {
      this.problem = t('problem.storage', { error: String(error) });
      this.status = 'failed';
    }
  }

  async createAccount(nickname: string): Promise<Result<void>> {
    // Identity and invite code serve onboarding and the Contacts screen only: loaded on first use.
    const { createIdentity, deviceName, validateNickname } = await import('./identity.ts');
    const name = validateNickname(nickname);
    if (!name.ok) return name;
    const identity = await createIdentity(this.now(), deviceName(this.opts.userAgent ?? ''));
    await this.db.identity.add(identity);
    await this.boot(identity, name.value);
    return ok(undefined);
  }

  /** On a device with the account: show a link code and wait for a new device to ask. */
  async linkDevice(): Promise<LinkHost> {
    const rt = this.runtime();
    const { LinkHost } = await import('./linking.svelte.ts');
    const host = new LinkHost(this.mailbox, rt.me, rt.account, this.now);
    void host.start();
    return host;
  }

  /** On a new device: join the account of the device showing `code`. */
  async joinWithCode(code: string, progress: JoinProgress): Promise<Result<void>> {
    const [{ joinWithCode }, { deviceName }] = await Promise.all([import('./linking.svelte.ts'), import('./identity.ts')]);
    const joined = await joinWithCode(this.mailbox, code, deviceName(this.opts.userAgent ?? ''), this.now, progress);
    if (!joined.ok) return joined;
    await this.db.identity.put(joined.value);
    await this.boot(joined.value);
    return ok(undefined);
  }

  /**
   * Removes another device of this account: it is revoked, and the account doc and every
   * conversation move to new secrets that the removed device never receives (docs/threat-model.md).
   */
  async removeDevice(device: string): Promise<Result<void>> {
    const rt = this.runtime();
    if (device === rt.me.device) return fail('input/empty', 'This is the device you are using; remove it from another device.');
    const target = rt.account.device(device as DeviceId);
    if (!target) return fail('input/empty', 'That device is not linked to this account.');
    rt.account.revokeDevice(target.device, this.now());
    const epoch = (rt.me.accountEpoch ?? 0) + 1;
    const secret = secureRandom(32);
    const recipients = rt.account.devices().map((d) => d.certificate);
    const entry = await makeRotation({ epoch, secret, by: { device: rt.me.device, privateKey: rt.me.devicePrivateKey }, recipients, revoked: [target.device] });
    rt.account.addRotation(epoch, entry);
    await this.switchAccountSecret(secret, epoch);
    for (const c of this.conversations) await c.rotate([target.device]);
    return ok(undefined);
  }

  private async switchAccountSecret(secret: Uint8Array, epoch: number): Promise<void> {
    const rt = this.runtime();
    const me = { ...rt.me, accountDocSecret: secret, accountEpoch: epoch };
    await this.db.identity.put(me);
    rt.me = me;
    await this.opened!.rekey(secret);
  }

  /** Another device of ours rotated the account doc's secret: follow it if it was sealed to us. */
  private async checkAccountRotations(): Promise<void> {
    const rt = this.runtime();
    for (const [key, raw] of rt.account.rotationsMap.entries()) {
      if (Number(key) <= (rt.me.accountEpoch ?? 0)) continue;
      const trusted = new Map<string, DeviceCertificate>();
      for (const d of rt.account.devices()) {
        const cert = await verifyCertificate(d.certificate);
        if (cert && cert.account === rt.me.account) trusted.set(cert.device, cert);
      }
      const opened = await openRotation(raw, { device: rt.me.device, xPrivate: rt.me.deviceX25519Private }, (d) => trusted.get(d));
      if (opened && opened.epoch > (rt.me.accountEpoch ?? 0)) await this.switchAccountSecret(opened.secret, opened.epoch);
    }
  }

  /** The whole account (keys and every document) as an encrypted file's text. */
  async exportBackup(passphrase: string): Promise<Result<string>> {
    const rt = this.runtime();
    const docs = new Map<string, Y.Doc>([[ACCOUNT_DOC_ID, this.opened!.doc]]);
    for (const c of this.conversations) docs.set(c.room, c.document);
    const { exportBackup } = await import('./backup.ts');
    return exportBackup(rt.me, docs, passphrase, this.now());
  }

  /** On a fresh device: become the account in the backup file. Nothing is stored unless it opens. */
  async restoreBackup(text: string, passphrase: string): Promise<Result<void>> {
    const [{ restoreBackup }, { deviceName }] = await Promise.all([import('./backup.ts'), import('./identity.ts')]);
    const restored = await restoreBackup(this.db, text, passphrase, deviceName(this.opts.userAgent ?? ''), this.now());
    if (!restored.ok) return restored;
    await this.boot(restored.value);
    return ok(undefined);
  }

  /** A fresh invite link (the part after the origin: `#/invite/…`) valid for a week. */
  async createInvite(): Promise<string> {
    const rt = this.runtime();
    const { createInvite } = await import('../core/invite.ts');
    const { pending, link } = await createInvite(this.self(rt), this.now());
    rt.account.addInvite(pending);
    return link;
  }

  /** Accepts a pasted invite link; the conversation opens at once and completes when the inviter is online. */
  async addContact(text: string): Promise<Result<RoomId>> {
    if (isGroupLink(text)) return this.joinGroup(text);
    const rt = this.runtime();
    const { acceptInvite, parseInvite } = await import('../core/invite.ts');
    const parsed = await parseInvite(text, { now: this.now(), self: rt.me.account });
    if (!parsed.ok) return parsed;
    const invite = parsed.value;
    const existing = rt.account.contactsMap.get(invite.account);
    if (existing) return fail('invite/already-contact', `${existing.name} is already one of your contacts.`, { name: existing.name });
    const accepted = await acceptInvite(invite, this.self(rt));
    const room = (await deriveDocKeys(accepted.secret)).roomId;
    const now = this.now();
    rt.account.addContact(
      { account: invite.account, name: invite.name, conversation: room, added: now },
      {
        room,
        kind: 'direct',
        secret: toBase64Url(accepted.secret),
        peer: invite.account,
        created: now,
        hello: { ...accepted.rendezvous, hello: accepted.hello, exp: invite.exp },
      },
    );
    await this.openConversation(room);
    return ok(room);
  }

  /** Changes an account setting; it reaches the account's other devices like any account edit. */
  setSetting(key: string, value: string | number | boolean): void {
    this.runtime().account.setSetting(key, value);
  }

  /** A new group with its own random secret, on all of this account's devices; we own it. */
  async createGroup(input: string): Promise<Result<RoomId>> {
    const rt = this.runtime();
    const name = input.trim();
    if (!name) return fail('input/empty', 'Type a group name first.');
    if (name.length > MAX_GROUP_NAME) return fail('input/too-long', `A group name can hold at most ${MAX_GROUP_NAME} characters.`);
    const secret = secureRandom(32);
    const room = (await deriveDocKeys(secret)).roomId;
    const { gid, nonce } = await newGroupId(rt.me.account);
    rt.account.addGroup({ room, kind: 'group', secret: toBase64Url(secret), peer: rt.me.account, created: this.now(), gid, title: name });
    const c = await this.openConversation(room);
    await c.group!.create(nonce, name, DEFAULT_GROUP_LIMIT);
    return ok(room);
  }

  /** Joins a group from its invite link; refusals (stale, full, expired…) store nothing. */
  async joinGroup(text: string): Promise<Result<RoomId>> {
    const rt = this.runtime();
    // Someone removed from a group (or who left on another device) may be invited back.
    const { prepareJoin } = await import('./group-join.ts'); // loaded when someone joins a group
    const prepared = await prepareJoin(rt, text, (room) => !!this.conversation(room)?.group?.gone);
    if (!prepared.ok) return prepared;
    const { entry, invite, token } = prepared.value;
    const old = this.conversation(entry.room);
    if (old) {
      this.conversations = this.conversations.filter((c) => c !== old);
      this.opening.delete(entry.room);
      await old.close();
      rt.account.removeConversation(entry.room);
    }
    rt.account.addGroup(entry);
    const c = await this.openConversation(entry.room);
    await c.group!.join(invite, token);
    return ok(entry.room);
  }

  conversation(room: string): Conversation | undefined {
    return this.conversations.find((c) => c.room === room);
  }

  /** Messages from others after what any of my devices has shown: the Conversations badge. */
  unreadOf(c: Conversation): number {
    return unreadCount(c.messages, this.readPositions[c.room]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.presence?.close();
    this.notifications?.stop();
    this.rendezvous?.stop();
    this.mailbox.stop();
    await Promise.all(this.conversations.map((c) => c.close()));
    await this.opened?.close();
    this.db.close();
  }

  private runtime(): Runtime {
    if (!this.rt) throw new Error('no account on this device yet');
    return this.rt;
  }

  private self(rt: Runtime) {
    return { account: rt.me.account, accountPrivateKey: rt.me.accountPrivateKey, name: rt.account.profile()?.name ?? '' };
  }

  private async boot(identity: IdentityRecord, newName?: string): Promise<void> {
    const mailbox = this.mailbox;
    const report = (m: string) => (this.problem = m);
    const base = { db: this.db, mailbox, outbox: new DexieOutbox(this.db), cursors: new DexieCursors(this.db), now: this.now, report };
    this.opened = await openAccount({ ...base, identity, signalingUrl: this.opts.relay.signal });
    const account = this.opened.account;
    const doc = account.doc;
    if (newName) account.setProfile({ name: newName, created: this.now() });
    account.upsertDevice({
      device: identity.device,
      name: identity.certificate.name,
      platform: identity.certificate.name,
      created: identity.certificate.created,
      lastSeen: this.now(),
      certificate: identity.certificate,
    });
    this.thisDevice = identity.device;
    const rt: Runtime = { ...base, me: identity, account, clock: new DeviceClock(identity.device, this.now), signalingUrl: this.opts.relay.signal, verified: this.search.indexVerified, recalled: this.search.forgetRecalled };
    this.rt = rt;
    if (this.opts.webrtc === false) rt.webrtc = false;
    rt.presence = new PresenceHub({ me: identity.account, account, mailbox, now: this.now });
    this.presence = rt.presence;

    const syncAccount = () => {
      const profile = account.profile();
      this.me = { account: identity.account, name: profile?.name ?? '', avatar: defaultAvatarUrl(identity.account) };
      this.contacts = account.contacts();
      this.devices = account.devices();
      this.settings = account.settings();
      this.readPositions = Object.fromEntries(account.conversations().map((e) => [e.room, account.readPosition(e.room)]));
      this.presence?.syncSettings();
      for (const c of this.conversations) {
        c.retitle();
        c.syncRead(); // read on another device: the mention marker follows
        c.syncFlags();
      }
      for (const entry of account.conversations()) {
        const open = this.conversation(entry.room);
        if (open && (entry.epoch ?? 0) > open.epoch) void open.rekey(fromBase64Url(entry.secret)!, entry.epoch ?? 0);
        else if (!open) void this.openConversation(entry.room);
      }
      if (account.isRevoked(identity.device)) this.problem = t('problem.removed');
      else if (account.rotationsMap.size > 0) void this.checkAccountRotations();
    };
    doc.on('update', syncAccount);
    syncAccount();

    void this.startWallet(rt);
    void this.startRendezvous(rt);
    await Promise.all(account.conversations().map((e) => this.openConversation(e.room)));
    void this.startNotifications(rt);
    this.status = 'ready';
  }

  /**
   * The wallet and its ledger code are not needed to show the chats: they load after boot. A
   * checkpoint a peer shares before then waits for the wallet; queued payments are retried by
   * the refresh once it exists (and on every reconnect after).
   */
  private async startWallet(rt: Runtime): Promise<void> {
    const early: [unknown, AccountId][] = [];
    rt.checkpointSeen = (json, from) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        return; // junk from a peer proves nothing; verifyCheckpoint would refuse it anyway
      }
      if (this.wallet) void this.wallet.audit(parsed, from);
      else early.push([parsed, from]);
    };
    const module = await this.loadAfterBoot(rt, () => import('./wallet.svelte.ts'), (error) => t('problem.wallet', { error }));
    if (!module) return;
    const wallet = new module.Wallet(rt);
    wallet.onCheckpoint = (json) => {
      for (const c of this.conversations) c.shareCheckpoint(json);
    };
    this.wallet = wallet;
    for (const [parsed, from] of early.splice(0)) void wallet.audit(parsed, from);
    if (rt.mailbox.connected) void wallet.refresh();
  }

  /** Pending invites and hellos complete in the background: the code loads after boot. */
  private async startRendezvous(rt: Runtime): Promise<void> {
    const module = await this.loadAfterBoot(rt, () => import('./rendezvous.ts'));
    if (!module || this.rendezvous) return;
    this.rendezvous = new module.Rendezvous(rt, this.mailbox);
    this.rendezvous.start();
  }

  /** Notifications are not needed to show the chats either: like the wallet, loaded after boot. */
  private async startNotifications(rt: Runtime): Promise<void> {
    const module = await this.loadAfterBoot(rt, () => import('./notifications.svelte.ts'));
    if (!module || this.notifications) return;
    const notifications = new module.Notifications(this.opts.notificationEnv ?? module.browserNotificationEnv(), this.mailbox);
    notifications.attach(rt.account, () => this.conversations);
    this.notifications = notifications;
  }

  /** A module the first screen does not need; null when loading failed or the session moved on meanwhile. */
  private async loadAfterBoot<M>(rt: Runtime, load: () => Promise<M>, problem = (error: string) => error): Promise<M | null> {
    try {
      const module = await load();
      return this.rt === rt && !this.closed ? module : null;
    } catch (error) {
      this.problem = problem(String(error)); // the chunk is precached: only a broken install gets here
      return null;
    }
  }

  private openConversation(room: RoomId): Promise<Conversation> {
    let opening = this.opening.get(room);
    if (!opening) {
      const rt = this.runtime();
      const entry = rt.account.conversation(room);
      if (!entry) return Promise.reject(new Error('unknown conversation'));
      opening = Conversation.open(rt, entry).then((c) => {
        this.conversations = [...this.conversations, c];
        return c;
      });
      opening.catch((error: unknown) => {
        this.opening.delete(room);
        this.problem = t('problem.conversation', { error: String(error) });
      });
      this.opening.set(room, opening);
    }
    return opening;
  }
}
