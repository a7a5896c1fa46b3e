// The state of a group, folded from its verified action log (group-actions.ts) in HLC order.
//
// Rules (each broken one flags the action and changes nothing):
// - `create` comes first and once; its author is the owner. Nothing before it counts.
// - owner and admins may invite, rename, change the avatar, announce and remove members; only
//   the owner may remove an admin, promote or demote, and change the size limit.
// - a `join` needs an earlier, unexpired invite from someone who was owner/admin when they made
//   it, the invite's token (whose hash the invite carries: only link holders know it), an invite
//   made after the joiner's last removal, and room under the size limit.
// - any member may leave; when the owner leaves, the longest-standing admin (else member) owns it.
// Pure and synchronous: the async checks (signatures, hashes) happened in verifyGroupActions.
import { compareHlc, decodeHlc } from './hlc.ts';
import type { AccountId } from './ids.ts';
import { DEFAULT_GROUP_LIMIT, type FlaggedAction, type VerifiedAction } from './group-actions.ts';

export type Role = 'owner' | 'admin' | 'member';

export interface GroupMember {
  account: AccountId;
  /** The name the member signed into their join (or create) action. */
  name: string;
  role: Role;
  /** HLC of the action that made them a member; earlier means longer-standing. */
  since: string;
}

export interface Departure {
  how: 'removed' | 'left';
  /** The remove or leave action: its HLC and id. */
  hlc: string;
  action: string;
  name: string;
}

export interface GroupState {
  created: boolean;
  name: string;
  avatar: string | null;
  announcement: { text: string; by: AccountId; hlc: string } | null;
  limit: number;
  owner: AccountId | null;
  /** Current members, owner first, then admins, then members, each by seniority. */
  members: GroupMember[];
  /** Accounts that were members and are no longer: how they went, and the action's HLC. */
  former: Map<AccountId, Departure>;
  /** Ids of invites that were valid when made. */
  invites: Set<string>;
  flagged: FlaggedAction[];
}

const ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

const byHlc = (a: VerifiedAction, b: VerifiedAction) => compareHlc(a.hlc, b.hlc) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function foldGroup(verified: readonly VerifiedAction[], alreadyFlagged: readonly FlaggedAction[] = []): GroupState {
  const members = new Map<AccountId, GroupMember>();
  const former = new Map<AccountId, Departure>();
  const invites = new Map<string, { token: string; exp: number; hlc: string }>();
  const flagged: FlaggedAction[] = [...alreadyFlagged];
  const state: GroupState = { created: false, name: '', avatar: null, announcement: null, limit: DEFAULT_GROUP_LIMIT, owner: null, members: [], former, invites: new Set(), flagged };
  const roleOf = (account: string) => members.get(account as AccountId)?.role;
  const isAdmin = (account: string) => roleOf(account) === 'owner' || roleOf(account) === 'admin';

  for (const a of [...verified].sort(byHlc)) {
    const flag = (reason: string) => flagged.push({ id: a.id, t: a.t, by: a.by, reason });
    const by = a.by as AccountId;
    if (!state.created && a.t !== 'create') {
      flag('before the group was created');
      continue;
    }
    switch (a.t) {
      case 'create':
        if (state.created) {
          flag('the group already exists');
          break;
        }
        state.created = true;
        state.name = a.name;
        state.limit = a.limit;
        state.owner = by;
        members.set(by, { account: by, name: a.member, role: 'owner', since: a.hlc });
        break;
      case 'invite':
        if (!isAdmin(by)) flag('only the owner or an admin may invite');
        else if (invites.has(a.invite)) flag('invite id used twice');
        else invites.set(a.invite, { token: a.token, exp: a.exp, hlc: a.hlc });
        break;
      case 'join': {
        const invite = invites.get(a.invite);
        const removed = former.get(by);
        if (members.has(by)) flag('already a member');
        else if (!invite || invite.token !== a.tokenHash) flag('no valid invite for this join');
        else if ((decodeHlc(a.hlc)?.wall ?? Infinity) > invite.exp) flag('the invite had expired');
        else if (removed?.how === 'removed' && compareHlc(invite.hlc, removed.hlc) <= 0) flag('removed members need a newer invite');
        else if (members.size >= state.limit) flag('the group is full');
        else {
          members.set(by, { account: by, name: a.member, role: 'member', since: a.hlc });
          former.delete(by);
        }
        break;
      }
      case 'rename':
      case 'avatar':
      case 'announce':
        if (!isAdmin(by)) flag('only the owner or an admin may change the group');
        else if (a.t === 'rename') state.name = a.name;
        else if (a.t === 'avatar') state.avatar = a.image;
        else state.announcement = a.text ? { text: a.text, by, hlc: a.hlc } : null;
        break;
      case 'remove': {
        const target = members.get(a.account as AccountId);
        if (!isAdmin(by)) flag('only the owner or an admin may remove members');
        else if (!target) flag('not a member');
        else if (target.role === 'owner') flag('the owner cannot be removed');
        else if (target.role === 'admin' && roleOf(by) !== 'owner') flag('only the owner may remove an admin');
        else {
          members.delete(target.account);
          former.set(target.account, { how: 'removed', hlc: a.hlc, action: a.id, name: target.name });
        }
        break;
      }
      case 'promote':
      case 'demote': {
        const target = members.get(a.account as AccountId);
        if (roleOf(by) !== 'owner') flag('only the owner may change roles');
        else if (!target || target.role === 'owner') flag('not a member whose role can change');
        else target.role = a.t === 'promote' ? 'admin' : 'member';
        break;
      }
      case 'leave': {
        const leaving = members.get(by);
        if (!leaving) {
          flag('not a member');
          break;
        }
        members.delete(by);
        former.set(by, { how: 'left', hlc: a.hlc, action: a.id, name: leaving.name });
        if (leaving.role === 'owner') {
          const heir = [...members.values()].sort((x, y) => ORDER[x.role] - ORDER[y.role] || compareHlc(x.since, y.since))[0];
          if (heir) heir.role = 'owner';
          state.owner = heir?.account ?? null;
        }
        break;
      }
      case 'limit':
        if (roleOf(by) !== 'owner') flag('only the owner may change the size limit');
        else state.limit = a.limit;
        break;
    }
  }
  state.invites = new Set(invites.keys());
  state.members = [...members.values()].sort((x, y) => ORDER[x.role] - ORDER[y.role] || compareHlc(x.since, y.since));
  return state;
}

/** Whether `actor` may do `t` to `target` now: the UI shows only buttons that would be valid. */
export function may(state: GroupState, actor: AccountId, t: 'invite' | 'rename' | 'remove' | 'promote' | 'limit', target?: AccountId): boolean {
  const role = state.members.find((m) => m.account === actor)?.role;
  const targetRole = target ? state.members.find((m) => m.account === target)?.role : undefined;
  if (!role) return false;
  if (t === 'promote' || t === 'limit') return role === 'owner' && (t === 'limit' || (targetRole !== undefined && targetRole !== 'owner'));
  if (role === 'member') return false;
  if (t === 'remove') return targetRole === 'member' || (targetRole === 'admin' && role === 'owner');
  return true;
}

/**
 * Whether a correctly signed record (message, recall…) by `author` stamped `hlc` counts in this
 * group: current members, and former members for what they wrote before they went. Anyone else's
 * record is shown flagged, never under their name.
 */
export function mayWrite(state: GroupState, author: string, hlc: string): boolean {
  if (state.members.some((m) => m.account === author)) return true;
  const went = state.former.get(author as AccountId);
  return went !== undefined && compareHlc(hlc, went.hlc) < 0;
}
