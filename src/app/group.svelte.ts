// A group conversation's membership and settings, as the app shows and changes them. The truth is
// the group's signed action log in the conversation doc (core/group-actions.ts, folded by
// core/group.ts); this class verifies and folds it whenever the doc changes, answers "may this
// author write here?" for message verification, and turns commands into signed actions.
//
// Removal rotates the group secret at once (the remover's device writes the next secret sealed to
// every remaining member's devices: core/rotation.ts via Conversation.rotate). A member who leaves
// cannot rotate the secret away from itself, so the owner's device does it when it sees the leave.
import type * as Y from 'yjs';
import { fail, ok, type Result } from '../core/errors.ts';
import { groupLog, groupRotatedFor, signGroupAction, verifyGroupActions, type GroupActionBody, type VerifiedAction } from '../core/group-actions.ts';
import { foldGroup, may, mayWrite, type GroupState, type Role } from '../core/group.ts';
import type { AccountId, DeviceId, RoomId } from '../core/ids.ts';
import type { DeviceCertificate } from '../core/message.ts';
import { MailboxClient } from '../net/mailbox.ts';
import { displayName, type Runtime } from './runtime.ts';

/** What a group needs from the conversation that holds it. */
export interface GroupHost {
  readonly doc: Y.Doc;
  readonly room: RoomId;
  certificate(device: string): Promise<DeviceCertificate | undefined>;
  /** Runs an edit through the replicator (IndexedDB, outbox, relay). */
  local(edit: () => void): void;
  /** Resolves when the relay has acknowledged every local edit so far. */
  settled(): Promise<void>;
  /** Writes the next secret sealed to the devices of current members (Conversation.rotate). */
  rotate(revoked: DeviceId[]): Promise<void>;
}

export interface GroupMemberView {
  account: AccountId;
  /** The contact's remark or name when known, else the name the member signed into the group. */
  name: string;
  role: Role;
  me: boolean;
}

const EMPTY: GroupState = foldGroup([]);
const QUIET_JOIN_FLAGS = new Set(['already a member', 'no valid invite for this join']);

export class GroupChat {
  state = $state.raw<GroupState>(EMPTY);
  /** Current members with their roles: the group's list, also used for @mentions. */
  members = $derived<GroupMemberView[]>(
    this.state.members.map((m) => ({ account: m.account, name: this.nameOf(m.account, m.name), role: m.role, me: m.account === this.self() })),
  );
  myRole = $derived<Role | null>(this.state.members.find((m) => m.account === this.self())?.role ?? null);
  /** Set when this account is no longer a member: removed by an admin, or left. */
  gone = $derived<'removed' | 'left' | null>(this.myRole ? null : (this.state.former.get(this.self())?.how ?? null));

  /**
   * Why our own join did not count (say the group filled up first), while we are not a member.
   * "No valid invite" is left out: the invite action may simply not have arrived yet.
   */
  joinRefused = $derived<string | null>(
    this.myRole ? null : (this.state.flagged.find((f) => f.t === 'join' && f.by === this.self() && !QUIET_JOIN_FLAGS.has(f.reason))?.reason ?? null),
  );

  private folded = '';
  /** Log entries that verified, by stored object (core/group-actions.ts). */
  private readonly checked = new WeakMap<object, VerifiedAction>();
  private readonly rotating = new Set<string>();

  constructor(
    private readonly rt: Runtime,
    private readonly host: GroupHost,
    readonly gid: string,
  ) {}

  private self(): AccountId {
    return this.rt.me.account;
  }

  /**
   * Verifies and folds the log again if it or the certificates changed since last time; true when
   * it did (who may write here may have changed).
   */
  async refresh(): Promise<boolean> {
    const log = groupLog(this.host.doc);
    const mark = `${log.length}|${this.host.doc.getMap('devices').size}`;
    if (mark === this.folded) return false;
    const verified = await verifyGroupActions(log.toArray(), this.gid, (d) => this.host.certificate(d), this.checked);
    this.folded = mark;
    // Our next action must sort after every action we have seen (a remove after the join it
    // undoes), whatever our wall clock says: the log is folded in HLC order.
    for (const a of verified.actions) this.rt.clock.observe(a.hlc);
    this.state = foldGroup(verified.actions, verified.flagged);
    await this.rotateAfterLeaves();
    return true;
  }

  /** Whether a correctly signed record by `author` at `hlc` counts: members, and former members before they went. */
  trusts(author: string, hlc: string): boolean {
    return mayWrite(this.state, author, hlc);
  }

  nameOf(account: string, signed?: string): string {
    return displayName(this.rt, account as AccountId) ?? signed ?? this.state.members.find((m) => m.account === account)?.name ?? this.state.former.get(account as AccountId)?.name ?? '';
  }

  /** Whether any other current member's devices have this message (the group's "Delivered"). */
  delivered(isDelivered: (reader: AccountId) => boolean): boolean {
    return this.state.members.some((m) => m.account !== this.rt.me.account && isDelivered(m.account));
  }

  may(t: Parameters<typeof may>[2], target?: AccountId): boolean {
    return may(this.state, this.rt.me.account, t, target);
  }

  private async act(body: GroupActionBody): Promise<void> {
    const me = { account: this.rt.me.account, device: this.rt.me.device, devicePrivateKey: this.rt.me.devicePrivateKey };
    const action = await signGroupAction(me, this.gid, this.rt.clock.tick(), body);
    this.host.local(() => groupLog(this.host.doc).push([action]));
    await this.refresh();
  }

  /** Founds the group (the creator's device, right after making its secret). */
  create(nonce: string, name: string, limit: number): Promise<void> {
    return this.act({ t: 'create', nonce, name, limit, member: this.myName() });
  }

  /** Records our join with the token only the invite link gives. */
  join(invite: string, token: string): Promise<void> {
    return this.act({ t: 'join', invite, token, member: this.myName() });
  }

  private myName(): string {
    return this.rt.account.profile()?.name ?? '';
  }

  private async allowed(t: Parameters<typeof may>[2], target?: AccountId): Promise<Result<void>> {
    await this.refresh();
    return this.may(t, target) ? ok(undefined) : fail('group/not-allowed', 'Only the group owner or an admin can do that.');
  }

  async rename(name: string): Promise<Result<void>> {
    const trimmed = name.trim();
    if (!trimmed) return fail('input/empty', 'Type a group name first.');
    if (trimmed.length > 64) return fail('input/too-long', 'A group name can hold at most 64 characters.');
    const may = await this.allowed('rename');
    if (may.ok) await this.act({ t: 'rename', name: trimmed });
    return may;
  }

  async announce(text: string): Promise<Result<void>> {
    if (text.length > 2000) return fail('input/too-long', 'An announcement can hold at most 2000 characters.');
    const may = await this.allowed('rename');
    if (may.ok) await this.act({ t: 'announce', text: text.trim() });
    return may;
  }

  /** `image`: a small data URL the UI made by downscaling the chosen picture. */
  async setAvatar(image: string): Promise<Result<void>> {
    if (!/^data:image\/(png|jpeg|webp);base64,/.test(image) || image.length > 48_000) return fail('input/too-long', 'That picture could not be made small enough. Try another one.');
    const may = await this.allowed('rename');
    if (may.ok) await this.act({ t: 'avatar', image });
    return may;
  }

  async setLimit(limit: number): Promise<Result<void>> {
    if (!Number.isSafeInteger(limit) || limit < 2 || limit > 2000) return fail('input/too-long', 'A group holds between 2 and 2000 members.');
    const may = await this.allowed('limit');
    if (may.ok) await this.act({ t: 'limit', limit });
    return may;
  }

  async setAdmin(account: AccountId, admin: boolean): Promise<Result<void>> {
    const may = await this.allowed('promote', account);
    if (may.ok) await this.act({ t: admin ? 'promote' : 'demote', account });
    return may;
  }

  /** Removes a member and moves the group to a secret that member never receives. */
  async remove(account: AccountId): Promise<Result<void>> {
    const may = await this.allowed('remove', account);
    if (!may.ok) return may;
    await this.act({ t: 'remove', account });
    const theirs = [...this.host.doc.getMap<DeviceCertificate>('devices').values()].filter((c) => c?.account === account).map((c) => c.device);
    await this.host.rotate(theirs);
    return ok(undefined);
  }

  /**
   * Leaves: the leave is signed into the log and the group leaves every device's list. The
   * conversation stays open for this session, so its outbox can still deliver the leave.
   */
  async leave(): Promise<void> {
    await this.act({ t: 'leave' });
    this.rt.account.removeConversation(this.host.room);
  }

  /** The owner's device rotates once for each leave nobody has rotated for yet. */
  private async rotateAfterLeaves(): Promise<void> {
    if (this.state.owner !== this.rt.me.account) return;
    const done = groupRotatedFor(this.host.doc);
    for (const [account, went] of this.state.former) {
      if (went.how !== 'left' || done.has(went.action) || this.rotating.has(went.action)) continue;
      this.rotating.add(went.action);
      const theirs = [...this.host.doc.getMap<DeviceCertificate>('devices').values()].filter((c) => c?.account === account).map((c) => c.device);
      this.host.local(() => done.set(went.action, this.rt.now()));
      await this.host.rotate(theirs);
    }
  }

  /**
   * A link (the part after the origin: `#/group/…`) that lets whoever holds it join, valid for a
   * week or until the group's secret next rotates. The invite action goes to the relay before the
   * offer, so a joiner who finds the offer also finds the invite it needs.
   */
  async createInvite(): Promise<Result<string>> {
    const may = await this.allowed('invite');
    if (!may.ok) return may;
    const entry = this.rt.account.conversation(this.host.room);
    if (!entry) return fail('group/not-member', 'You are no longer in this group.');
    const { secret, epoch = 0 } = entry;
    const me = { account: this.rt.me.account, accountPrivateKey: this.rt.me.accountPrivateKey, name: this.myName() };
    const { createGroupInvite, sealOffer } = await import('../core/group-invite.ts'); // only admins inviting need it
    const { invite, keys, link } = await createGroupInvite(me, { gid: this.gid, name: this.state.name }, this.rt.now());
    await this.act({ t: 'invite', invite: invite.id, token: keys.tokenHash, exp: invite.exp });
    await this.host.settled();
    const offer = await sealOffer(keys, { v: 1, gid: this.gid, secret, epoch, room: this.host.room });
    try {
      await this.rt.mailbox.push(keys.room, keys.cap, offer, MailboxClient.newPushId());
    } catch {
      return fail('group/unavailable', 'The relay could not be reached to publish this invite. Try again when you are online.');
    }
    return ok(link);
  }
}
