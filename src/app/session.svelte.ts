// The application session: this device's identity, the account doc, open conversations and the
// commands the UI calls. UI components read its $state and never touch store/ or net/.
import * as Y from 'yjs';
import { AccountDoc, type Contact } from '../core/account-doc.ts';
import { defaultAvatarUrl } from '../core/avatar.ts';
import { toBase64Url } from '../core/bytes.ts';
import { deriveDocKeys } from '../core/derive.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import type { AccountId, RoomId } from '../core/ids.ts';
import { acceptInvite, createInvite, parseInvite } from '../core/invite.ts';
import { FloeDb, type IdentityRecord } from '../store/db.ts';
import { DocPersistence } from '../store/doc-persistence.ts';
import { MailboxClient, type ConnectionState } from '../net/mailbox.ts';
import { DexieCursors, DexieOutbox } from '../store/outbox.ts';
import type { RelayUrls } from './env.ts';
import { DeviceClock } from './clock.ts';
import { Conversation } from './conversation.svelte.ts';
import { createIdentity, deviceName, validateNickname } from './identity.ts';
import { Rendezvous } from './rendezvous.ts';
import type { Runtime } from './runtime.ts';

export type SessionStatus = 'loading' | 'onboarding' | 'ready' | 'failed';

export interface SessionOptions {
  relay: RelayUrls;
  dbName?: string;
  now?: () => number;
  userAgent?: string;
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
  /** Conversations with the most recent message first. */
  chats = $derived(
    [...this.conversations].sort((a, b) => (b.messages.at(-1)?.hlc ?? '').localeCompare(a.messages.at(-1)?.hlc ?? '')),
  );

  private readonly db: FloeDb;
  private readonly now: () => number;
  private rt: Runtime | null = null;
  private mailbox: MailboxClient | null = null;
  private rendezvous: Rendezvous | null = null;
  private accountPersistence: DocPersistence | null = null;
  private readonly opening = new Map<RoomId, Promise<Conversation>>();

  constructor(private readonly opts: SessionOptions) {
    this.db = new FloeDb(opts.dbName ?? 'floe');
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    try {
      const identity = await this.db.identity.get('self');
      if (identity) await this.boot(identity);
      else this.status = 'onboarding';
    } catch (error) {
      this.problem = `Floe could not open its storage on this device: ${String(error)}`;
      this.status = 'failed';
    }
  }

  async createAccount(nickname: string): Promise<Result<void>> {
    const name = validateNickname(nickname);
    if (!name.ok) return name;
    const identity = await createIdentity(this.now(), deviceName(this.opts.userAgent ?? ''));
    await this.db.identity.add(identity);
    await this.boot(identity, name.value);
    return ok(undefined);
  }

  /** A fresh invite link (the part after the origin: `#/invite/…`) valid for a week. */
  async createInvite(): Promise<string> {
    const rt = this.runtime();
    const { pending, link } = await createInvite(this.self(rt), this.now());
    rt.account.addInvite(pending);
    await this.accountPersistence?.flush();
    return link;
  }

  /** Accepts a pasted invite link; the conversation opens at once and completes when the inviter is online. */
  async addContact(text: string): Promise<Result<RoomId>> {
    const rt = this.runtime();
    const parsed = await parseInvite(text, { now: this.now(), self: rt.me.account });
    if (!parsed.ok) return parsed;
    const invite = parsed.value;
    const existing = rt.account.contactsMap.get(invite.account);
    if (existing) return fail('invite/already-contact', `${existing.name} is already one of your contacts.`);
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
    await this.accountPersistence?.flush();
    await this.openConversation(room);
    return ok(room);
  }

  conversation(room: string): Conversation | undefined {
    return this.conversations.find((c) => c.room === room);
  }

  async close(): Promise<void> {
    this.rendezvous?.stop();
    this.mailbox?.stop();
    await Promise.all(this.conversations.map((c) => c.close()));
    await this.accountPersistence?.destroy();
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
    const doc = new Y.Doc();
    this.accountPersistence = await DocPersistence.open(this.db, 'account', doc);
    const account = new AccountDoc(doc);
    if (newName) account.setProfile({ name: newName, created: this.now() });
    const mailbox = new MailboxClient({ url: this.opts.relay.mailbox });
    this.mailbox = mailbox;
    mailbox.onState((s) => (this.relay = s));
    const rt: Runtime = {
      db: this.db,
      me: identity,
      account,
      clock: new DeviceClock(identity.device, this.now),
      signalingUrl: this.opts.relay.signal,
      mailbox,
      outbox: new DexieOutbox(this.db),
      cursors: new DexieCursors(this.db),
      now: this.now,
      report: (m) => (this.problem = m),
    };
    this.rt = rt;

    const syncAccount = () => {
      const profile = account.profile();
      this.me = { account: identity.account, name: profile?.name ?? '', avatar: defaultAvatarUrl(identity.account) };
      this.contacts = account.contacts();
      for (const c of this.conversations) c.retitle();
      for (const entry of account.conversations()) void this.openConversation(entry.room);
    };
    doc.on('update', syncAccount);
    syncAccount();

    this.rendezvous = new Rendezvous(rt, mailbox);
    this.rendezvous.start();
    await Promise.all(account.conversations().map((e) => this.openConversation(e.room)));
    mailbox.start();
    this.status = 'ready';
  }

  private openConversation(room: RoomId): Promise<Conversation> {
    let opening = this.opening.get(room);
    if (!opening) {
      const rt = this.runtime();
      const entry = rt.account.conversationsMap.get(room);
      if (!entry) return Promise.reject(new Error('unknown conversation'));
      opening = Conversation.open(rt, entry).then((c) => {
        this.conversations = [...this.conversations, c];
        return c;
      });
      opening.catch((error: unknown) => {
        this.opening.delete(room);
        this.problem = `A conversation could not be opened: ${String(error)}`;
      });
      this.opening.set(room, opening);
    }
    return opening;
  }
}
