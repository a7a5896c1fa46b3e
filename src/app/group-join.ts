// Joining a group from its invite link, checked before anything is stored: a refused link leaves
// no trace on the device. Steps (docs/threat-model.md › Group invites):
// 1. parse the link: damaged, altered (signature), expired → refused at once, offline too;
// 2. fetch the offer from the link's rendezvous room and open it with the link's key;
// 3. read the group doc as the relay holds it: a rotation above the offer's epoch means the link
//    predates a removal (stale); a group at its size limit is full.
// The caller then stores the conversation, opens it and signs the join action with the token.
import type { ConversationEntry } from '../core/account-doc.ts';
import { fromBase64Url } from '../core/bytes.ts';
import { ConversationDoc } from '../core/conversation-doc.ts';
import { deriveDocKeys } from '../core/derive.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import { groupLog, verifyGroupActions } from '../core/group-actions.ts';
import { groupInviteKeys, openOffers, parseGroupInvite } from '../core/group-invite.ts';
import { foldGroup } from '../core/group.ts';
import type { AccountId, RoomId } from '../core/ids.ts';
import { verifyCertificate } from '../core/message.ts';
import { fetchDoc, fetchRoom } from '../net/fetch-room.ts';
import type { Runtime } from './runtime.ts';

export interface PreparedJoin {
  entry: ConversationEntry;
  invite: string;
  token: string;
}

const unreachable = () => fail<never>('group/unavailable', 'The relay could not be reached to open this group invite. Try again when you are online.');

/** `rejoinable(room)`: whether a group this account still lists may be joined again (we were removed). */
export async function prepareJoin(rt: Runtime, text: string, rejoinable: (room: RoomId) => boolean, timeoutMs = 15_000): Promise<Result<PreparedJoin>> {
  const parsed = await parseGroupInvite(text, { now: rt.now() });
  if (!parsed.ok) return parsed;
  const invite = parsed.value;
  const existing = rt.account.groupById(invite.gid);
  if (existing && !rejoinable(existing.room)) return fail('group/already-member', `You are already in ${existing.title ?? invite.name}.`, { name: existing.title ?? invite.name });
  if (!rt.mailbox.connected) return unreachable();

  const keys = await groupInviteKeys(invite);
  const bodies = await fetchRoom(rt.mailbox, keys.room, keys.cap, timeoutMs);
  if (!Array.isArray(bodies)) return unreachable();
  const offer = await openOffers(keys, invite, bodies);
  if (!offer.ok) return offer;
  const { secret, epoch, room } = offer.value;

  const doc = await fetchDoc(rt.mailbox, await deriveDocKeys(fromBase64Url(secret)!), timeoutMs);
  if (typeof doc === 'string') return unreachable();
  try {
    const conv = new ConversationDoc(doc);
    if ([...conv.rotations.keys()].some((e) => Number(e) > epoch)) {
      return fail('group/stale', `This invite link to ${invite.name} is out of date: the group has changed its keys since. Ask for a new link.`, { name: invite.name });
    }
    const verified = await verifyGroupActions(groupLog(doc).toArray(), invite.gid, async (d) => (await verifyCertificate(conv.devices.get(d as never))) ?? undefined);
    const state = foldGroup(verified.actions, verified.flagged);
    // Our join must sort after the invite it uses, even if this device's clock is behind.
    for (const a of verified.actions) rt.clock.observe(a.hlc);
    if (!state.created) return fail('group/unavailable', `${invite.name} could not be found on the relay. Ask for a new link.`);
    if (state.members.length >= state.limit) return fail('group/full', `${state.name} is full (${state.limit} members). Ask an admin to make room.`, { name: state.name, limit: state.limit });
    const entry: ConversationEntry = {
      room: room as RoomId,
      kind: 'group',
      secret,
      epoch,
      peer: invite.by as AccountId,
      created: rt.now(),
      gid: invite.gid,
      title: state.name,
    };
    return ok({ entry, invite: invite.id, token: keys.token });
  } finally {
    doc.destroy();
  }
}
