// Group invite links: how someone outside a group gets its current secret without the relay
// ever seeing it.
//
// 1. An owner/admin draws a random 32-byte join key k and signs {gid, name, by, id, k, exp} with
//    their account key. The link `#/group/<payload>` carries it in the URL fragment, which browsers
//    never send to a server. From k, HKDF (salted with the invite id) derives a rendezvous room on
//    the relay, its capability, a sealing key and a join token; the group's log gets an `invite`
//    action holding only SHA-256(token) (group-actions.ts), so only link holders can join.
// 2. The inviter pushes an *offer* to that room: the group's current secret and epoch, sealed
//    under the derived key (AES-GCM, room id as associated data). The relay sees a random room id
//    and ciphertext.
// 3. The joiner checks the signature (tampering) and expiry, fetches and opens the offer, and
//    before storing anything reads the group doc once: a rotation above the offer's epoch means
//    the link predates a removal (stale), and a full group is refused (app/group-join.ts).
import * as v from 'valibot';
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.ts';
import { canonicalBytes, canonicalJson } from './canonical.ts';
import { hkdf, keyFromId, open, seal, sign, verify } from './crypto.ts';
import { fail, ok, type Result } from './errors.ts';
import { GROUP_LINK_MARKER, isGroupLink, MAX_GROUP_NAME, tokenHashOf } from './group-actions.ts';
import { newInviteId, secureRandom, type AccountId, type Random, type RoomId } from './ids.ts';
import { INVITE_TTL_MS, linkPayload, type Me } from './invite.ts';

export { GROUP_LINK_MARKER, isGroupLink };

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));

const GroupInviteSchema = v.object({
  v: v.literal(1),
  kind: v.literal('group'),
  gid: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_GROUP_NAME)),
  by: keyId,
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  k: keyId,
  exp: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
});
export type GroupInvite = v.InferOutput<typeof GroupInviteSchema>;

const OfferSchema = v.object({
  v: v.literal(1),
  gid: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  secret: keyId,
  epoch: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  /** The group's local id (its first room id) on the inviter's devices: the same for everyone. */
  room: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
});
export type GroupOffer = v.InferOutput<typeof OfferSchema>;

export interface GroupInviteKeys {
  room: RoomId;
  cap: string;
  sealKey: Uint8Array;
  /** Revealed in the joiner's `join` action; the invite action holds its hash. */
  token: string;
  tokenHash: string;
}

export async function groupInviteKeys(invite: Pick<GroupInvite, 'id' | 'k'>): Promise<GroupInviteKeys> {
  const k = keyFromId(invite.k)!;
  const salt = utf8(invite.id);
  const [room, cap, sealKey, token] = await Promise.all([
    hkdf(k, salt, 'floe/v1/group-invite-room', 16),
    hkdf(k, salt, 'floe/v1/group-invite-cap', 32),
    hkdf(k, salt, 'floe/v1/group-invite-seal', 32),
    hkdf(k, salt, 'floe/v1/group-join-token', 32),
  ]);
  const tokenText = toBase64Url(token);
  return { room: toHex(room) as RoomId, cap: toBase64Url(cap), sealKey, token: tokenText, tokenHash: await tokenHashOf(tokenText) };
}

export async function createGroupInvite(
  me: Me,
  group: { gid: string; name: string },
  now: number,
  random: Random = secureRandom,
): Promise<{ invite: GroupInvite; keys: GroupInviteKeys; link: string }> {
  const body = { v: 1 as const, kind: 'group' as const, gid: group.gid, name: group.name, by: me.account, id: newInviteId(random), k: toBase64Url(random(32)), exp: now + INVITE_TTL_MS };
  const invite: GroupInvite = { ...body, sig: toBase64Url(await sign(me.accountPrivateKey, canonicalBytes(body))) };
  return { invite, keys: await groupInviteKeys(invite), link: GROUP_LINK_MARKER + toBase64Url(utf8(canonicalJson(invite))) };
}

/** Accepts a whole link (any origin) or just what follows `#/group/`. */
export async function parseGroupInvite(text: string, opts: { now: number }): Promise<Result<GroupInvite>> {
  const damaged = () => fail<GroupInvite>('invite/damaged', 'This group invite link is incomplete or damaged. Ask for a new one.');
  const json = linkPayload(text, GROUP_LINK_MARKER);
  if (json === undefined) return damaged();
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== 1) {
    return fail('invite/unsupported-version', 'This invite was made by a newer version of Floe. Update Floe and try again.');
  }
  const parsed = v.safeParse(GroupInviteSchema, json);
  if (!parsed.success) return damaged();
  const { sig, ...body } = parsed.output;
  if (!(await verify(keyFromId(body.by)!, fromBase64Url(sig)!, canonicalBytes(body)))) {
    return fail('invite/bad-signature', 'This group invite link has been altered and cannot be trusted.');
  }
  if (body.exp <= opts.now) return fail('invite/expired', 'This group invite link has expired. Ask for a new one.');
  return ok(parsed.output);
}

export async function sealOffer(keys: GroupInviteKeys, offer: GroupOffer): Promise<Uint8Array> {
  return seal(keys.sealKey, canonicalBytes(offer), utf8(keys.room));
}

/** The newest offer among the room's entries that opens and names this link's group. */
export async function openOffers(keys: GroupInviteKeys, invite: GroupInvite, bodies: readonly Uint8Array[]): Promise<Result<GroupOffer>> {
  let best: GroupOffer | null = null;
  for (const body of bodies) {
    const plain = await open(keys.sealKey, body, utf8(keys.room));
    if (!plain) continue; // junk from someone else who saw the link
    let json: unknown;
    try {
      json = JSON.parse(fromUtf8(plain));
    } catch {
      continue;
    }
    const offer = v.safeParse(OfferSchema, json);
    if (offer.success && offer.output.gid === invite.gid && (!best || offer.output.epoch >= best.epoch)) best = offer.output;
  }
  if (!best) return fail('group/unavailable', 'This group invite is not available on the relay. Ask the person who sent it for a new one.');
  return ok(best);
}

export const inviterOf = (invite: GroupInvite): AccountId => invite.by as AccountId;
