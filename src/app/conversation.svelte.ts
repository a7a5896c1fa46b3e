// One open conversation: its Y.Doc kept in IndexedDB and joined to WebRTC, and the verified,
// HLC-ordered view of its messages that the UI shows.
//
// Invariants: a message is shown under its author's name only if its device certificate is
// signed by that author's account key, the author is a member we trust (ourselves or the
// contact from the invite exchange), and the device signature matches; anything else is shown
// flagged as unverified. The delivery mark we write is per (reader, author device), and only
// ever grows. Every local edit goes through the replicator, so it reaches the relay mailbox too.
import * as Y from 'yjs';
import type { ConversationEntry } from '../core/account-doc.ts';
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { makeRotation, openRotation } from '../core/rotation.ts';
import { ConversationDoc } from '../core/conversation-doc.ts';
import { deriveDocKeys, type DocKeys } from '../core/derive.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import { decodeHlc, compareHlc } from '../core/hlc.ts';
import { newMessageId, secureRandom, type AccountId, type DeviceId, type MessageId, type RoomId } from '../core/ids.ts';
import { signMessage, validateText, type DeviceCertificate, type MessageDraft, type SignedMessage } from '../core/message.ts';
import { authoredKey, MessageIndex } from '../core/message-index.ts';
import { MessageVerifier } from '../core/message-verifier.ts';
import { acceptedRecalls, signRecall, withinRecallWindow } from '../core/recall.ts';
import type { MentionCandidate } from '../core/mentions.ts';
import { DocPersistence } from '../store/doc-persistence.ts';
import { LOCAL_ORIGIN, Replicator } from '../net/replicator.ts';
import { joinWebrtc, type PeerLink } from '../net/webrtc.ts';
import { displayName, type Runtime } from './runtime.ts';
import type { PresenceHub } from './presence.svelte.ts';
import { ReadReceipts } from './receipts.svelte.ts';
import { GroupChat } from './group.svelte.ts';
import { messageExtras, sameExtras, type ExtrasContext, type MessageExtras, type SendExtras } from './message-extras.ts';
import type { RedPacketHost } from './redpackets.svelte.ts';
import { t } from './i18n.svelte.ts';

/**
 * pending: only on this device; relay: acknowledged by the relay; delivered: on their device;
 * read: everyone else has seen it (read marks, app/receipts.svelte.ts).
 */
export type DeliveryState = 'pending' | 'relay' | 'delivered' | 'read';

/** One message as the Messages list shows it; replies, mentions and recalls: app/message-extras.ts. */
export interface ChatMessageView extends MessageExtras {
  id: string;
  text: string;
  hlc: string;
  time: number;
  mine: boolean;
  authorName: string;
  verified: boolean;
  state: DeliveryState;
}

export class Conversation {
  readonly room: RoomId;
  readonly peer: AccountId;
  title = $state('');
  /**
   * Raw, not deeply reactive: the list is replaced whole on each refresh, and unchanged messages
   * keep their view objects, so Svelte's keyed list only touches what changed.
   */
  messages = $state.raw<ChatMessageView[]>([]);
  peers = $state(0);
  /** Set when the peer has joined the doc: the invite exchange is complete. */
  peerJoined = $state(false);
  /** Message ids not yet acknowledged by the relay. */
  pending = $state<ReadonlySet<string>>(new Set());
  /** Set when this chat moved to new keys while open here (a device was removed). */
  rekeyed = $state(false);
  /** The relay deleted history (retention) before this device fetched it. */
  historyGap = $state(false);
  /** Who has read my messages, and the other members; set once opened. */
  receipts: ReadReceipts | null = null;
  /** A 1:1 chat: its header shows the other person's presence. */
  readonly direct: boolean;

  private readonly doc = new Y.Doc();
  private readonly conv = new ConversationDoc(this.doc);
  private persistence: DocPersistence | null = null;
  private link: PeerLink | null = null;
  private replicator: Replicator | null = null;
  /** Checks messages and recalls; who may write here is `trusts` (1:1: the two of us). */
  private readonly verifier = new MessageVerifier(this.conv, (r) => this.trusts(r.author, r.hlc));
  /** Views by the stored entry they show, so unchanged messages keep their view objects. */
  private views = new WeakMap<object, ChatMessageView>();
  /** Message ids already handed to `rt.verified`, so each verified message is reported once. */
  private readonly reported = new Set<string>();
  /** View id → the verified message it shows (view ids differ from message ids only on collisions). */
  private shown = new Map<string, SignedMessage>();
  /** Recalled message ids already handed to `rt.recalled` (search forgets their text). */
  private readonly forgotten = new Set<string>();
  /** A verified message from someone else mentions us and is newer than what we have read. */
  unreadMention = $state(false);
  private scheduled = false;
  private remoteSeen = false;
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;
  private active = false;
  private lastCheckpointSeen: string | undefined;

  /** Notifications are off for this conversation on every device of the account (account-doc flag). */
  muted = $state(false);
  /** How many times this conversation's secret rotated. */
  epoch = $state(0);
  private keys: DocKeys;
  /** Set for group chats: members, roles and the signed admin log (app/group.svelte.ts). */
  readonly group: GroupChat | null = null;

  private constructor(
    private readonly rt: Runtime,
    entry: ConversationEntry,
    keys: DocKeys,
  ) {
    this.keys = keys;
    this.epoch = entry.epoch ?? 0;
    this.muted = entry.muted === true;
    this.room = entry.room;
    this.peer = entry.peer;
    this.direct = entry.kind === 'direct';
    this.title = displayName(rt, entry.peer) ?? '';
    if (entry.kind === 'group' && entry.gid) {
      this.title = entry.title ?? '';
      const host = {
        doc: this.doc,
        room: this.room,
        certificate: (device: string) => this.certificate(device),
        local: (edit: () => void) => this.replicator!.local(edit),
        settled: () => this.replicator!.settled(),
        rotate: (revoked: DeviceId[]) => this.rotate(revoked),
      };
      this.group = new GroupChat(rt, host, entry.gid);
    }
  }

  static async open(rt: Runtime, entry: ConversationEntry): Promise<Conversation> {
    const keys = await deriveDocKeys(fromBase64Url(entry.secret)!);
    const c = new Conversation(rt, entry, keys);
    // Stored under the conversation's first room id, which stays its local id across rotations.
    c.persistence = await DocPersistence.open(rt.db, entry.room, c.doc, LOCAL_ORIGIN);
    c.doc.on('update', (_u: Uint8Array, origin: unknown) => c.schedule(origin !== LOCAL_ORIGIN && origin !== c.persistence));
    c.replicator = await c.replicate(keys);
    c.receipts = new ReadReceipts(rt, c.conv, (edit) => c.replicator!.local(edit), () => c.group?.members ?? null);
    rt.presence?.attach(entry.room, keys);
    const profile = rt.account.profile();
    c.replicator.local(() => c.conv.join({ account: rt.me.account, name: profile?.name ?? '', joined: rt.now() }, rt.me.certificate));
    await c.refresh(false);
    return c;
  }

  private replicate(keys: DocKeys): Promise<Replicator> {
    return Replicator.start({
      doc: this.doc,
      keys,
      mailbox: this.rt.mailbox,
      outbox: this.rt.outbox,
      cursors: this.rt.cursors,
      persisted: () => this.persistence!.flush(),
      now: this.rt.now,
      report: this.rt.report,
      onPending: (tags) => {
        this.pending = new Set(tags);
        this.schedule(false);
      },
      onGap: () => (this.historyGap = true),
    });
  }

  /**
   * Joins the WebRTC room, the fast path, once the conversation is looked at. Joining costs a
   * PBKDF2 derivation and signaling per room, so an account with a hundred conversations does not
   * join a hundred rooms at start; the relay mailbox carries the rest.
   */
  activate(): void {
    this.active = true;
    if (!this.link) this.connectPeers(this.keys);
  }

  /** Peer-to-peer sync joins in the background; the view is ready from local data. */
  private connectPeers(keys: DocKeys): void {
    this.link?.destroy();
    this.link = null;
    if (this.rt.webrtc === false) return; // relay only (a test and benchmark flag)
    void joinWebrtc(this.doc, keys, this.rt.signalingUrl).then(
      (link) => {
        if (this.closed || keys !== this.keys) return link.destroy();
        this.link = link;
        this.rt.presence?.useAwareness(this.room, link.provider.awareness);
        link.onPeers((n) => (this.peers = n));
      },
      (error: unknown) => this.rt.report(t('problem.peerSync', { error: String(error) })),
    );
  }

  /**
   * Moves to a new secret (after a device was removed): a new relay room and WebRTC room, seeded
   * with the whole history. The old room's outbox still drains (it carries the rotation entry).
   */
  async rekey(secret: Uint8Array, epoch: number): Promise<void> {
    if (epoch <= this.epoch || this.closed) return;
    this.epoch = epoch;
    this.rekeyed = true;
    const keys = await deriveDocKeys(secret);
    this.keys = keys;
    const old = this.replicator;
    this.replicator = await this.replicate(keys);
    this.rt.presence?.rekey(this.room, keys);
    old?.retire();
    this.replicator.pushState();
    if (this.active) this.connectPeers(keys);
  }

  /** Writes the next secret into this doc, sealed to every device that stays (both members'). */
  async rotate(revoked: DeviceId[]): Promise<void> {
    const secret = secureRandom(32);
    const epoch = this.epoch + 1;
    const recipients = [];
    for (const device of this.conv.devices.keys()) {
      const cert = await this.trustedDevice(device);
      if (cert && !revoked.includes(cert.device)) recipients.push(cert);
    }
    const entry = await makeRotation({ epoch, secret, by: { device: this.rt.me.device, privateKey: this.rt.me.devicePrivateKey }, recipients, revoked });
    this.replicator!.local(() => this.conv.rotations.set(String(epoch), entry));
    this.rt.account.rekeyConversation(this.room, toBase64Url(secret), epoch);
  }

  /** A device whose certificate checks out, of one of the two members, not removed. */
  private async trustedDevice(device: string): Promise<DeviceCertificate | undefined> {
    const cert = await this.certificate(device);
    const member = this.group ? this.group.state.members.some((m) => m.account === cert?.account) : cert?.account === this.rt.me.account || cert?.account === this.peer;
    if (!cert || !member) return undefined;
    return this.rt.account.isRevoked(cert.device) ? undefined : cert;
  }

  /** Picks up a rotation another device wrote: the new secret goes to the account doc. */
  private async checkRotations(): Promise<void> {
    for (const [key, raw] of this.conv.rotations.entries()) {
      if (Number(key) <= this.epoch) continue;
      const certs = new Map<string, DeviceCertificate>();
      for (const device of this.conv.devices.keys()) {
        const cert = await this.trustedDevice(device);
        if (cert) certs.set(device, cert);
      }
      const opened = await openRotation(raw, { device: this.rt.me.device, xPrivate: this.rt.me.deviceX25519Private }, (d) => certs.get(d));
      if (opened && opened.epoch > this.epoch) this.rt.account.rekeyConversation(this.room, toBase64Url(opened.secret), opened.epoch);
    }
  }

  /** Presence and typing of the session (null without one, as in some tests). */
  get presence(): PresenceHub | null {
    return this.rt.presence ?? null;
  }

  /** The doc itself, for an encrypted backup. */
  get document(): Y.Doc {
    return this.doc;
  }

  /** The person is looking at the conversation: its newest message counts as read on all devices. */
  markRead(): void {
    const last = this.messages.at(-1);
    if (last) this.rt.account.markRead(this.room, last.hlc);
    this.receipts?.markSeen(this.messages);
  }

  /**
   * Trims, signs and appends a text message, optionally a reply and with @mentions (both signed
   * with it). Expected failures come back as values.
   */
  async send(input: string, extras: SendExtras = {}): Promise<Result<MessageId>> {
    const text = validateText(input);
    if (!text.ok) return text;
    if (this.group?.gone) return fail('group/not-member', `You are no longer a member of ${this.title}.`, { name: this.title });
    const draft: MessageDraft = {
      v: 1 as const,
      id: newMessageId(),
      author: this.rt.me.account,
      device: this.rt.me.device,
      hlc: this.rt.clock.tick(),
      kind: 'text' as const,
      text: text.value,
    };
    if (extras.reply !== undefined) {
      const target = this.shown.get(extras.reply);
      if (!target || this.messages.some((m) => m.id === extras.reply && m.recalled)) return fail('message/invalid', 'The message you are replying to is no longer available.');
      draft.reply = target.id;
    }
    const mentions = [...new Set(extras.mentions ?? [])];
    if (mentions.some((a) => !this.trusts(a, draft.hlc))) return fail('mention/not-member', 'You can only mention people in this conversation.');
    if (mentions.length > 0) draft.mentions = mentions as AccountId[];
    const message = await signMessage(this.rt.me.devicePrivateKey, draft);
    this.verifier.vouch(message); // we just signed it ourselves
    this.replicator!.local(() => this.conv.append(message), [message.id]);
    this.rt.presence?.sent(this.room);
    await Promise.all([this.persistence?.flush(), this.replicator!.settled()]);
    return ok(message.id);
  }

  /** What red packets need of this chat (app/redpackets.svelte.ts): a map in its doc, its secret, its members. */
  redPacketHost(): RedPacketHost {
    return {
      packets: this.doc.getMap<string>('redpackets'),
      local: (edit) => this.replicator!.local(edit),
      secret: () => fromBase64Url(this.rt.account.conversation(this.room)?.secret ?? ''),
      send: (text) => this.send(text),
      members: () => (this.group ? this.group.members.map((m) => m.account as AccountId) : [this.rt.me.account, this.peer]),
      nameOf: (account) => (account === this.rt.me.account ? (this.rt.account.profile()?.name ?? '') : this.authorNameOf(account)),
    };
  }

  /** Passes our newest verified ledger checkpoint to the other person (split-view detection). */
  shareCheckpoint(json: string): void {
    if (this.closed || this.conv.checkpoints.get(this.rt.me.account) === json) return;
    this.replicator?.local(() => this.conv.checkpoints.set(this.rt.me.account, json));
  }

  /** Renames follow the account doc (contact remarks live there). */
  /** Mutes or unmutes on all devices; app/notifications.svelte.ts stops pushes for a muted room. */
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.rt.account.setConversationFlags(this.room, { muted });
  }

  /** Follows the muted flag when another device changes it. */
  syncFlags(): void {
    this.muted = this.rt.account.conversation(this.room)?.muted === true;
  }

  retitle(): void {
    if (this.group) this.title = this.group.state.name || this.title;
    else this.title = displayName(this.rt, this.peer) ?? this.title;
  }

  /**
   * Refreshes run one at a time (an older view never overwrites a newer one) and coalesce: any
   * number of changes during a refresh cost one more refresh, not one each — a catch-up of
   * thousands of updates re-renders a handful of times.
   */
  private schedule(remote: boolean): void {
    this.remoteSeen ||= remote;
    if (this.scheduled) return;
    this.scheduled = true;
    this.refreshing = this.refreshing.then(async () => {
      await Promise.resolve(); // let the rest of this burst of updates land first
      this.scheduled = false;
      const r = this.remoteSeen;
      this.remoteSeen = false;
      await this.refresh(r);
    });
  }

  /**
   * Withdraws one of my messages (core/recall.ts): a signed recall record, accepted by every
   * reader only from the author and within RECALL_WINDOW_MS. Refusals come back as values.
   */
  async recall(id: string): Promise<Result<void>> {
    const view = this.messages.find((m) => m.id === id && m.verified);
    if (!view || !view.mine) return fail('recall/not-author', 'You can only recall your own messages.');
    if (view.recalled) return ok(undefined);
    const tooLate = fail('recall/too-late', 'A message can only be recalled within 2 minutes of sending it.');
    if (this.rt.now() > view.recallUntil) return tooLate;
    const draft = { v: 1 as const, kind: 'recall' as const, target: this.shown.get(id)!.id, author: this.rt.me.account, device: this.rt.me.device, hlc: this.rt.clock.tick() };
    // The rule every reader applies, on the stamp the recall really carries.
    if (!withinRecallWindow(view.hlc, draft.hlc)) return tooLate;
    const record = await signRecall(this.rt.me.devicePrivateKey, draft);
    this.replicator!.local(() => this.conv.recall(record));
    await Promise.all([this.persistence?.flush(), this.replicator!.settled()]);
    return ok(undefined);
  }

  /** This device's wall clock (injectable through the session, so tests need not wait). */
  now(): number {
    return this.rt.now();
  }

  /** Whether a correctly signed record by `author` at `hlc` counts here: the two of us, or a group's members. */
  private trusts(author: string, hlc: string): boolean {
    return this.group ? this.group.trusts(author, hlc) : author === this.rt.me.account || author === this.peer;
  }

  /** Whom "@" offers in the composer: the conversation's members other than me. */
  mentionCandidates(): MentionCandidate[] {
    if (this.group) return this.group.members.filter((m) => !m.me && m.name !== '').map((m) => ({ account: m.account, name: m.name }));
    const out: MentionCandidate[] = [];
    for (const m of this.conv.members.values()) {
      if (typeof m?.account !== 'string' || m.account === this.rt.me.account || !this.trusts(m.account, '')) continue;
      const name = typeof m.name === 'string' && m.name !== '' ? m.name : this.authorNameOf(m.account);
      if (name !== '') out.push({ account: m.account, name });
    }
    return out;
  }

  /** The name an author is shown under. */
  private authorNameOf(account: AccountId): string {
    return (account === this.rt.me.account ? displayName(this.rt, account) : this.group ? this.group.nameOf(account) : this.title) ?? '';
  }

  /** Re-reads how far this conversation was read (here or on another device): the mention marker follows it. */
  syncRead(): void {
    const read = this.rt.account.readPosition(this.room) ?? '';
    const unread = this.messages.some((m) => m.mentionsMe && m.hlc > read);
    if (unread !== this.unreadMention) this.unreadMention = unread;
  }

  private certificate(device: string): Promise<DeviceCertificate | undefined> {
    return this.verifier.certificate(device);
  }

  private async refresh(remote: boolean): Promise<void> {
    if (this.closed) return;
    // Who may write in a group follows its log; the verifier asks on every read, so a changed
    // member list needs no re-verifying.
    if (this.group && (await this.group.refresh())) this.retitle();
    const raw = this.conv.messages.toArray();
    // Verify what is new in one go (in parallel); everything else comes from the cache.
    await this.verifier.verify(raw);
    // Replies and recalls refer to messages by id (core/message-index.ts); a replayed copy of a
    // message is not shown twice.
    const index = new MessageIndex();
    const entries = raw.map((m) => ({ m, good: this.verifier.message(m) })).filter((e) => e.good === null || index.add(e.good));
    const recalls = acceptedRecalls(await this.verifier.verifiedRecalls(), (author, id) => index.authored(author, id), this.rt.now());
    const views: ChatMessageView[] = [];
    const highest = new Map<DeviceId, string>(); // author device → highest hlc received
    const verified: SignedMessage[] = [];
    const forget: SignedMessage[] = [];
    const shown = new Map<string, SignedMessage>();
    const ctx: ExtrasContext = {
      me: this.rt.me.account,
      index,
      recalls,
      nameOf: (a) => this.authorNameOf(a),
      memberName: (a) => this.conv.members.get(a)?.name,
    };
    for (const [n, { m, good }] of entries.entries()) {
      const extras = messageExtras(good, ctx);
      const key = good ? authoredKey(good.author, good.id) : '';
      if (good && !extras.recalled && !this.reported.has(key)) {
        this.reported.add(key);
        verified.push(good);
      }
      if (good && extras.recalled && !this.forgotten.has(key)) {
        this.forgotten.add(key);
        forget.push(good);
      }
      const hlc = good?.hlc ?? (typeof m?.hlc === 'string' ? m.hlc : '');
      const mine = good?.author === this.rt.me.account;
      if (good && !mine) {
        this.rt.clock.observe(good.hlc);
        const h = highest.get(good.device);
        if (!h || h < good.hlc) highest.set(good.device, good.hlc);
      }
      const authorName = good ? this.authorNameOf(good.author) : '';
      // View ids are unique: unverified entries, and a second message signed under a used id, get
      // ids of their own (a forged copy must not share a verified message's key).
      const id = good && !shown.has(good.id) ? good.id : `${good ? good.id : 'unverified'}~${n}`;
      if (good) shown.set(id, good);
      const state: DeliveryState =
        !good || !mine ? 'relay' : (this.group ? this.group.delivered((r) => this.conv.isDelivered(r, good.device, good.hlc)) : this.conv.isDelivered(this.peer, good.device, good.hlc)) ? 'delivered' : this.pending.has(good.id) ? 'pending' : 'relay';
      const previous = typeof m === 'object' && m !== null ? this.views.get(m) : undefined;
      if (previous && previous.id === id && previous.state === state && previous.authorName === authorName && previous.verified === (good !== null) && sameExtras(previous, extras)) {
        views.push(previous);
        continue;
      }
      const view: ChatMessageView = {
        id,
        // Only what was verified is shown; a recalled message's text is gone from the view.
        text: good && !extras.recalled ? good.text : '',
        hlc,
        time: decodeHlc(hlc)?.wall ?? 0,
        mine,
        authorName,
        verified: good !== null,
        state,
        ...extras,
      };
      if (typeof m === 'object' && m !== null) this.views.set(m, view);
      views.push(view);
    }
    // Appends arrive nearly in order, which the sort handles in about linear time.
    views.sort((a, b) => compareHlc(a.hlc, b.hlc) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (this.closed) return;
    if (verified.length > 0) this.rt.verified?.(this.room, verified);
    if (forget.length > 0) this.rt.recalled?.(this.room, forget);
    this.shown = shown;
    if (views.length !== this.messages.length || views.some((v, i) => v !== this.messages[i])) this.messages = views;
    this.syncRead();
    this.peerJoined = this.group !== null || this.conv.members.has(this.peer);
    if (this.peerJoined) this.rt.account.confirmConversation(this.room);
    if (remote && this.conv.rotations.size > 0) await this.checkRotations();
    const theirs = this.conv.checkpoints.get(this.peer);
    if (remote && theirs && theirs !== this.lastCheckpointSeen) {
      this.lastCheckpointSeen = theirs;
      this.rt.checkpointSeen?.(theirs, this.peer);
    }
    if (remote && highest.size > 0) {
      this.replicator?.local(() => {
        for (const [device, hlc] of highest) this.conv.markDelivered(this.rt.me.account, device, hlc);
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.link?.destroy();
    this.receipts?.destroy();
    this.rt.presence?.detach(this.room);
    await this.replicator?.destroy();
    await this.persistence?.destroy();
    this.doc.destroy();
  }
}
