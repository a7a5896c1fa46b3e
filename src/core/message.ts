// The chat message model. A message is an immutable signed record kept in a conversation's
// Y.Doc; peers are untrusted, so everything read from a doc is validated here before display.
//
// Trust chain: account key (known from the invite exchange) → device certificate (signed by the
// account key, kept in the doc) → message (signed by the device key). A message that fails any
// link is never shown as from its claimed author.
import * as v from 'valibot';
import { fromBase64Url, toBase64Url } from './bytes.ts';
import { canonicalBytes, type Canonical } from './canonical.ts';
import { keyFromId, sign, verify } from './crypto.ts';
import { fail, ok, type Result } from './errors.ts';
import { decodeHlc } from './hlc.ts';
import type { AccountId, DeviceId, MessageId } from './ids.ts';

export const MAX_TEXT_LENGTH = 8000;
export const MAX_DEVICE_NAME = 64;

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const signature = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/));

export const DeviceCertificateSchema = v.object({
  v: v.literal(1),
  account: keyId,
  device: keyId,
  /** The device's X25519 key: new secrets are sealed to it when the doc's secret rotates. */
  x: keyId,
  name: v.pipe(v.string(), v.maxLength(MAX_DEVICE_NAME)),
  created: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  sig: signature,
});
export type DeviceCertificate = Omit<v.InferOutput<typeof DeviceCertificateSchema>, 'account' | 'device'> & {
  account: AccountId;
  device: DeviceId;
};

/** A group holds at most a few hundred members; a message naming more is refused as junk. */
export const MAX_MENTIONS = 256;
const messageId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/));
const hlcText = v.pipe(v.string(), v.check((s) => decodeHlc(s) !== null, 'bad hlc'));

export const MessageSchema = v.object({
  v: v.literal(1),
  id: messageId,
  author: keyId,
  device: keyId,
  hlc: hlcText,
  kind: v.literal('text'),
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TEXT_LENGTH)),
  /** The message this one replies to (same conversation). Signed like the text: nobody can re-thread it. */
  reply: v.optional(messageId),
  /** Accounts @mentioned, each once; the text holds "@name" for each. Absent when there are none. */
  mentions: v.optional(
    v.pipe(
      v.array(keyId),
      v.minLength(1),
      v.maxLength(MAX_MENTIONS),
      v.check((a) => new Set(a).size === a.length, 'duplicate mention'),
    ),
  ),
  sig: signature,
});
export type SignedMessage = Omit<v.InferOutput<typeof MessageSchema>, 'id' | 'author' | 'device' | 'reply' | 'mentions'> & {
  id: MessageId;
  author: AccountId;
  device: DeviceId;
  reply?: MessageId;
  mentions?: AccountId[];
};
export type MessageDraft = Omit<SignedMessage, 'sig'>;

const unsigned = <T extends { sig: string }>(x: T): Omit<T, 'sig'> => {
  const { sig: _sig, ...rest } = x;
  return rest;
};

export async function certifyDevice(
  accountPrivateKey: Uint8Array,
  fields: Omit<DeviceCertificate, 'sig' | 'v'>,
): Promise<DeviceCertificate> {
  const body = { v: 1 as const, ...fields };
  return { ...body, sig: toBase64Url(await sign(accountPrivateKey, canonicalBytes(body))) };
}

export async function verifyCertificate(input: unknown): Promise<DeviceCertificate | null> {
  const parsed = v.safeParse(DeviceCertificateSchema, input);
  if (!parsed.success) return null;
  const cert = parsed.output as DeviceCertificate;
  const good = await verify(keyFromId(cert.account)!, fromBase64Url(cert.sig)!, canonicalBytes(unsigned(cert)));
  return good ? cert : null;
}

export async function signMessage(devicePrivateKey: Uint8Array, draft: MessageDraft): Promise<SignedMessage> {
  return signAuthored(devicePrivateKey, draft);
}

/** Signs any authored record with a device key. Optional fields must be absent, not undefined. */
export async function signAuthored<T extends object>(devicePrivateKey: Uint8Array, draft: T): Promise<T & { sig: string }> {
  return { ...draft, sig: toBase64Url(await sign(devicePrivateKey, canonicalBytes(draft as Canonical))) };
}

/**
 * Checks shape, the device certificate and the signature. `certificate` is the doc's entry for
 * the message's device (already verified with verifyCertificate), or undefined if none is known.
 */
export function verifyMessage(input: unknown, certificate: DeviceCertificate | undefined): Promise<Result<SignedMessage>> {
  return verifyAuthored(MessageSchema, input, certificate) as Promise<Result<SignedMessage>>;
}

/** What every record signed by an author's device has (messages, recalls: core/recall.ts). */
export interface Authored {
  author: AccountId;
  device: DeviceId;
  sig: string;
}

/**
 * The trust chain for any authored record: the shape, then a certificate for exactly this device
 * that names exactly the claimed author, then the device's signature over everything but `sig`.
 * The member check (is the author someone in this conversation?) is the caller's.
 */
export async function verifyAuthored<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  certificate: DeviceCertificate | undefined,
): Promise<Result<v.InferOutput<S> & Authored>> {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success) return fail('message/invalid', parsed.issues[0]?.message ?? 'invalid message');
  const record = parsed.output as v.InferOutput<S> & Authored;
  if (!certificate || certificate.device !== record.device) return fail('message/unknown-device', 'message from an unknown device');
  if (certificate.account !== record.author) return fail('message/bad-signature', 'device does not belong to the claimed author');
  const good = await verify(keyFromId(record.device)!, fromBase64Url(record.sig)!, canonicalBytes(unsigned(record) as Canonical));
  return good ? ok(record) : fail('message/bad-signature', 'signature does not match');
}

/** Trims and bounds what a person typed; expected failures are values. */
export function validateText(text: string): Result<string> {
  const t = text.trim();
  if (t.length === 0) return fail('input/empty', 'Type a message first.');
  if (t.length > MAX_TEXT_LENGTH) return fail('input/too-long', `A message can hold at most ${MAX_TEXT_LENGTH} characters.`, { max: MAX_TEXT_LENGTH });
  return ok(t);
}
