// Contact invites: the key agreement that gives two people a 1:1 conversation secret only they know.
//
// 1. The inviter makes a fresh X25519 key pair for the invite and signs {account, x, name, id,
//    exp} with the account key. The link carries that signed payload in its #fragment, which a
//    browser never sends to a server.
// 2. The invitee checks the signature and expiry, makes an ephemeral X25519 key, and derives the
//    conversation secret from ECDH(ephemeral, invite key) with HKDF, salted with the invite id
//    and bound to both account ids. It then sends a hello on a rendezvous room derived from the
//    invite: its ephemeral public key in clear and, sealed under another HKDF output of the same
//    ECDH, its account key, nickname and a signature binding all of it to this invite.
// 3. The hello waits in the relay mailbox of that room until the inviter, who kept the invite's private key, opens the hello, verifies the signature and
//    derives the same secret. See docs/threat-model.md for what each party can and cannot do.
import * as v from 'valibot';
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.ts';
import { canonicalBytes, canonicalJson } from './canonical.ts';
import { agree, generateAgreementKeyPair, hkdf, keyFromId, open, seal, sign, verify } from './crypto.ts';
import { fail, ok, type Result } from './errors.ts';
import { newInviteId, type AccountId, type InviteId, type Random, type RoomId, secureRandom } from './ids.ts';

export const INVITE_VERSION = 1;
export const INVITE_TTL_MS = 7 * 24 * 3600_000;
export const MAX_NICKNAME = 64;
const LINK_MARKER = '#/invite/';

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const nickname = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_NICKNAME));

const InviteSchema = v.object({
  v: v.literal(INVITE_VERSION),
  kind: v.literal('contact'),
  account: keyId,
  x: keyId,
  name: nickname,
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  exp: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
});
export type Invite = Omit<v.InferOutput<typeof InviteSchema>, 'account' | 'id'> & { account: AccountId; id: InviteId };

/** What the inviter keeps to open hellos (in the account doc, until the invite expires). */
export interface PendingInvite {
  id: InviteId;
  x: string; // public
  xPrivate: string; // PKCS#8, base64url
  exp: number;
}

export interface Me {
  account: AccountId;
  accountPrivateKey: Uint8Array;
  name: string;
}

export async function createInvite(me: Me, now: number, random: Random = secureRandom): Promise<{ invite: Invite; pending: PendingInvite; link: string }> {
  const pair = await generateAgreementKeyPair();
  const body = {
    v: INVITE_VERSION as 1,
    kind: 'contact' as const,
    account: me.account,
    x: toBase64Url(pair.publicKey),
    name: me.name,
    id: newInviteId(random),
    exp: now + INVITE_TTL_MS,
  };
  const invite: Invite = { ...body, sig: toBase64Url(await sign(me.accountPrivateKey, canonicalBytes(body))) };
  const pending = { id: body.id, x: body.x, xPrivate: toBase64Url(pair.privateKey), exp: body.exp };
  return { invite, pending, link: LINK_MARKER + toBase64Url(utf8(canonicalJson(invite))) };
}

/**
 * The JSON a link carries after `marker` (a whole link of any origin, or just the payload), or
 * undefined when it is not base64url of JSON: truncated, damaged or junk.
 */
export function linkPayload(text: string, marker: string): unknown {
  const trimmed = text.trim();
  const at = trimmed.indexOf(marker);
  const bytes = fromBase64Url(at >= 0 ? trimmed.slice(at + marker.length) : trimmed);
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    return undefined;
  }
}

/** Accepts a whole link (any origin) or just what follows `#/invite/`. */
export async function parseInvite(text: string, opts: { now: number; self?: AccountId }): Promise<Result<Invite>> {
  const damaged = () => fail<Invite>('invite/damaged', 'This invite link is incomplete or damaged. Ask for a new one.');
  const json = linkPayload(text, LINK_MARKER);
  if (json === undefined) return damaged();
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== INVITE_VERSION) {
    return fail('invite/unsupported-version', 'This invite was made by a newer version of Floe. Update Floe and try again.');
  }
  const parsed = v.safeParse(InviteSchema, json);
  if (!parsed.success) return damaged();
  const invite = parsed.output as Invite;
  const { sig, ...body } = invite;
  if (!(await verify(keyFromId(invite.account)!, fromBase64Url(sig)!, canonicalBytes(body)))) {
    return fail('invite/bad-signature', 'This invite link has been altered and cannot be trusted.');
  }
  if (invite.exp <= opts.now) return fail('invite/expired', 'This invite link has expired. Ask for a new one.');
  if (opts.self && invite.account === opts.self) return fail('invite/self', 'This is your own invite link. Send it to someone else.');
  return ok(invite);
}

/**
 * The mailbox room where the invitee's hello waits for the inviter, and the capability to use it:
 * random-looking to the relay, computable by whoever holds the link (who can accept it anyway).
 */
export async function rendezvous(inviteId: string, invitePublic: string): Promise<{ room: RoomId; cap: string }> {
  const ikm = keyFromId(invitePublic)!;
  const [room, cap] = await Promise.all([
    hkdf(ikm, utf8(inviteId), 'floe/v1/invite-room', 16),
    hkdf(ikm, utf8(inviteId), 'floe/v1/invite-cap', 32),
  ]);
  return { room: toHex(room) as RoomId, cap: toBase64Url(cap) };
}

async function agreement(dh: Uint8Array, invite: { id: string; account: string }, invitee: string) {
  const salt = utf8(invite.id);
  const [secret, helloKey] = await Promise.all([
    hkdf(dh, salt, `floe/v1/contact-secret|${invite.account}|${invitee}`, 32),
    hkdf(dh, salt, 'floe/v1/invite-hello', 32),
  ]);
  return { secret, helloKey };
}

const HelloSchema = v.object({ v: v.literal(1), e: keyId, box: v.pipe(v.string(), v.maxLength(4096)) });
export type Hello = v.InferOutput<typeof HelloSchema>;

const HelloBodySchema = v.object({
  v: v.literal(1),
  invite: v.string(),
  inviter: keyId,
  account: keyId,
  name: nickname,
  e: keyId,
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
});

export interface Accepted {
  secret: Uint8Array;
  hello: Hello;
  rendezvous: { room: RoomId; cap: string };
}

export async function acceptInvite(invite: Invite, me: Me): Promise<Accepted> {
  const eph = await generateAgreementKeyPair();
  const e = toBase64Url(eph.publicKey);
  const dh = await agree(eph.privateKey, keyFromId(invite.x)!);
  const { secret, helloKey } = await agreement(dh, invite, me.account);
  const body = { v: 1 as const, invite: invite.id, inviter: invite.account, account: me.account, name: me.name, e };
  const signed = { ...body, sig: toBase64Url(await sign(me.accountPrivateKey, canonicalBytes(body))) };
  const box = await seal(helloKey, canonicalBytes(signed), utf8(invite.id + e));
  return { secret, hello: { v: 1, e, box: toBase64Url(box) }, rendezvous: await rendezvous(invite.id, invite.x) };
}

export interface OpenedHello {
  secret: Uint8Array;
  account: AccountId;
  name: string;
}

/** The inviter's side. Every failure is a value: hellos arrive from anyone who saw the link. */
export async function openHello(pending: PendingInvite, self: AccountId, input: unknown): Promise<Result<OpenedHello>> {
  const damaged = () => fail<OpenedHello>('hello/damaged', 'damaged hello');
  const hello = v.safeParse(HelloSchema, input);
  if (!hello.success) return damaged();
  const box = fromBase64Url(hello.output.box);
  if (!box) return damaged();
  let dh: Uint8Array;
  try {
    dh = await agree(fromBase64Url(pending.xPrivate)!, keyFromId(hello.output.e)!);
  } catch {
    return damaged(); // low-order or malformed point
  }
  const tentative = await hkdf(dh, utf8(pending.id), 'floe/v1/invite-hello', 32);
  const plain = await open(tentative, box, utf8(pending.id + hello.output.e));
  if (!plain) return fail('hello/wrong-invite', 'hello not sealed for this invite');
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plain));
  } catch {
    return damaged();
  }
  const body = v.safeParse(HelloBodySchema, json);
  if (!body.success) return damaged();
  const { sig, ...signed } = body.output;
  if (signed.invite !== pending.id || signed.inviter !== self || signed.e !== hello.output.e) {
    return fail('hello/wrong-invite', 'hello names another invite');
  }
  if (!(await verify(keyFromId(signed.account)!, fromBase64Url(sig)!, canonicalBytes(signed)))) {
    return fail('hello/bad-signature', 'hello signature does not match');
  }
  const { secret } = await agreement(dh, { id: pending.id, account: self }, signed.account);
  return ok({ secret, account: signed.account as AccountId, name: signed.name });
}
