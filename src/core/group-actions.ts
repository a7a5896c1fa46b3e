// Group admin actions: the signed, append-only log that gives a group doc verifiable authority.
//
// A group doc is a CRDT that anyone holding its secret can write, so "who is owner, admin or
// member, what the group is called" cannot be plain map entries: a member could simply overwrite
// them. Instead every change is an action `{v, id, group, by, device, hlc, t, ...}` signed by the
// actor's device key, whose certificate (signed by the actor's account key) is in the doc, exactly
// like messages. This module checks shape, certificate and signature, and the two facts that need
// hashing (the owner's claim on the group id, a joiner's proof of holding an invite link);
// group.ts then folds the verified actions in HLC order and applies the role rules.
//
// The group id commits to its owner: gid = first 16 bytes of SHA-256("owner|nonce") in hex, and
// only a `create` by that owner revealing that nonce is accepted, so nobody else can found the
// same group with an earlier timestamp.
import * as v from 'valibot';
import type * as Y from 'yjs';
import { fromBase64Url, toBase64Url, toHex, utf8 } from './bytes.ts';
import { canonicalBytes, type Canonical } from './canonical.ts';
import { keyFromId, sha256, sign, verify } from './crypto.ts';
import { decodeHlc } from './hlc.ts';
import type { AccountId, DeviceId, Random } from './ids.ts';
import { secureRandom } from './ids.ts';
import type { DeviceCertificate } from './message.ts';

export const MAX_GROUP_NAME = 64;
export const MAX_ANNOUNCEMENT = 2000;
/** A downscaled avatar (data URL); bounded so one action cannot bloat every member's doc. */
export const MAX_AVATAR_CHARS = 48_000;
export const DEFAULT_GROUP_LIMIT = 200;
/** Group invite links (core/group-invite.ts) carry their payload after this, in the fragment. */
export const GROUP_LINK_MARKER = '#/group/';
export const isGroupLink = (text: string): boolean => text.includes(GROUP_LINK_MARKER);
export const MAX_GROUP_LIMIT = 2000;

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const id22 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/));
const hex32 = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/));
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const groupName = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_GROUP_NAME));
const limit = v.pipe(v.number(), v.safeInteger(), v.minValue(2), v.maxValue(MAX_GROUP_LIMIT));
const memberName = v.pipe(v.string(), v.maxLength(64));

const envelope = {
  v: v.literal(1),
  id: id22,
  group: hex32,
  by: keyId,
  device: keyId,
  hlc: v.pipe(v.string(), v.check((s) => decodeHlc(s) !== null, 'bad hlc')),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
};

export const GroupActionSchema = v.variant('t', [
  v.object({ ...envelope, t: v.literal('create'), nonce: id22, name: groupName, limit, member: memberName }),
  v.object({ ...envelope, t: v.literal('invite'), invite: id22, token: hex64, exp: v.pipe(v.number(), v.safeInteger(), v.minValue(0)) }),
  v.object({ ...envelope, t: v.literal('join'), invite: id22, token: keyId, member: memberName }),
  v.object({ ...envelope, t: v.literal('rename'), name: groupName }),
  v.object({ ...envelope, t: v.literal('avatar'), image: v.pipe(v.string(), v.maxLength(MAX_AVATAR_CHARS), v.regex(/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/)) }),
  v.object({ ...envelope, t: v.literal('announce'), text: v.pipe(v.string(), v.maxLength(MAX_ANNOUNCEMENT)) }),
  v.object({ ...envelope, t: v.literal('remove'), account: keyId }),
  v.object({ ...envelope, t: v.literal('promote'), account: keyId }),
  v.object({ ...envelope, t: v.literal('demote'), account: keyId }),
  v.object({ ...envelope, t: v.literal('leave') }),
  v.object({ ...envelope, t: v.literal('limit'), limit }),
]);
export type GroupAction = v.InferOutput<typeof GroupActionSchema>;
export type GroupActionType = GroupAction['t'];
type Envelope = 'v' | 'id' | 'group' | 'by' | 'device' | 'hlc' | 'sig';
/** What the app fills in for one action; the envelope comes from `signGroupAction`. */
export type GroupActionBody = GroupAction extends infer A ? (A extends GroupAction ? Omit<A, Envelope> : never) : never;

/** A verified action; for a join, the hash of its token (compared with the invite's in the fold). */
export type VerifiedAction = GroupAction & { tokenHash?: string };

export interface FlaggedAction {
  id: string;
  t: string;
  by: string;
  reason: string;
}

export const groupIdFor = async (owner: AccountId, nonce: string): Promise<string> => toHex((await sha256(utf8(`${owner}|${nonce}`))).subarray(0, 16));
export const tokenHashOf = async (token: string): Promise<string> => toHex(await sha256(fromBase64Url(token) ?? new Uint8Array()));

/** A fresh group: its id and the nonce its `create` action reveals. */
export async function newGroupId(owner: AccountId, random: Random = secureRandom): Promise<{ gid: string; nonce: string }> {
  const nonce = toBase64Url(random(16));
  return { gid: await groupIdFor(owner, nonce), nonce };
}

export interface Actor {
  account: AccountId;
  device: DeviceId;
  devicePrivateKey: Uint8Array;
}

export async function signGroupAction(actor: Actor, group: string, hlc: string, body: GroupActionBody, random: Random = secureRandom): Promise<GroupAction> {
  const unsigned = { v: 1 as const, id: toBase64Url(random(16)), group, by: actor.account, device: actor.device, hlc, ...body };
  const sig = toBase64Url(await sign(actor.devicePrivateKey, canonicalBytes(unsigned as unknown as Canonical)));
  return { ...unsigned, sig } as GroupAction;
}

/** One raw log entry checked: the action, or why it does not count. */
export async function verifyGroupAction(
  input: unknown,
  group: string,
  certificate: (device: string) => Promise<DeviceCertificate | undefined>,
): Promise<VerifiedAction | FlaggedAction> {
  const loose = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const flag = (reason: string): FlaggedAction => ({ id: String(loose.id ?? ''), t: String(loose.t ?? ''), by: String(loose.by ?? ''), reason });
  const parsed = v.safeParse(GroupActionSchema, input);
  if (!parsed.success) return flag('malformed');
  const a = parsed.output;
  if (a.group !== group) return flag('belongs to another group');
  const cert = await certificate(a.device);
  if (!cert || cert.device !== a.device) return flag('unknown device');
  if (cert.account !== a.by) return flag('device does not belong to the actor');
  const { sig, ...body } = a;
  if (!(await verify(keyFromId(a.device)!, fromBase64Url(sig)!, canonicalBytes(body as unknown as Canonical)))) return flag('bad signature');
  if (a.t === 'create' && (await groupIdFor(a.by as AccountId, a.nonce)) !== group) return flag('not the owner of this group id');
  return a.t === 'join' ? { ...a, tokenHash: await tokenHashOf(a.token) } : a;
}

const isFlag = (r: VerifiedAction | FlaggedAction): r is FlaggedAction => 'reason' in r;

/**
 * Checks every raw entry of a group's log. `certificate` returns the doc's device certificate
 * already verified against its account key (or undefined). Invalid entries are returned flagged
 * with the reason, never dropped silently, so the UI can show that someone tried. `cache` keeps
 * what verified, by stored entry object (Yjs hands out the same object on every read), so a log
 * is not checked again in full on every change; failures are checked again (a certificate may
 * have arrived since).
 */
export async function verifyGroupActions(
  raw: readonly unknown[],
  group: string,
  certificate: (device: string) => Promise<DeviceCertificate | undefined>,
  cache?: WeakMap<object, VerifiedAction>,
): Promise<{ actions: VerifiedAction[]; flagged: FlaggedAction[] }> {
  const results = await Promise.all(
    raw.map(async (input) => {
      const hit = typeof input === 'object' && input !== null ? cache?.get(input) : undefined;
      if (hit) return hit;
      const r = await verifyGroupAction(input, group, certificate);
      if (!isFlag(r) && typeof input === 'object' && input !== null) cache?.set(input, r);
      return r;
    }),
  );
  // A member could push a copy of a genuine action; it counts once.
  const seen = new Set<string>();
  const actions = results.filter((r): r is VerifiedAction => !isFlag(r) && !seen.has(r.id + r.sig) && !!seen.add(r.id + r.sig));
  return { actions, flagged: results.filter(isFlag) };
}

/** Where a group doc keeps its action log: an append-only array (a map entry could be overwritten). */
export const groupLog = (doc: Y.Doc): Y.Array<unknown> => doc.getArray<unknown>('group');
/**
 * leave action id → when the group's secret was rotated for it. A leaver cannot rotate the secret away
 * from itself, so the owner's device does it and marks it here, once for everyone.
 */
export const groupRotatedFor = (doc: Y.Doc): Y.Map<number> => doc.getMap<number>('group-rotated');
