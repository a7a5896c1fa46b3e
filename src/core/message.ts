// The chat message model. A message is an immutable signed record kept in a conversation's
// Y.Doc; peers are untrusted, so everything read from a doc is validated here before display.
//
// Trust chain: account key (known from the invite exchange) → device certificate (signed by the
// account key, kept in the doc) → message (signed by the device key). A message that fails any
// link is never shown as from its claimed author.
import * as v from 'valibot';
import { fromBase64Url, toBase64Url } from './bytes.ts';
import { canonicalBytes } from './canonical.ts';
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

export const MessageSchema = v.object({
  v: v.literal(1),
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  author: keyId,
  device: keyId,
  hlc: v.pipe(v.string(), v.check((s) => decodeHlc(s) !== null, 'bad hlc')),
  kind: v.literal('text'),
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TEXT_LENGTH)),
  sig: signature,
});
export type SignedMessage = Omit<v.InferOutput<typeof MessageSchema>, 'id' | 'author' | 'device'> & {
  id: MessageId;
  author: AccountId;
  device: DeviceId;
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
  return { ...draft, sig: toBase64Url(await sign(devicePrivateKey, canonicalBytes(draft))) };
}

/**
 * Checks shape, the device certificate and the signature. `certificate` is the doc's entry for
 * the message's device (already verified with verifyCertificate), or undefined if none is known.
 */
export async function verifyMessage(input: unknown, certificate: DeviceCertificate | undefined): Promise<Result<SignedMessage>> {
  const parsed = v.safeParse(MessageSchema, input);
  if (!parsed.success) return fail('message/invalid', parsed.issues[0]?.message ?? 'invalid message');
  const msg = parsed.output as SignedMessage;
  if (!certificate || certificate.device !== msg.device) return fail('message/unknown-device', 'message from an unknown device');
  if (certificate.account !== msg.author) return fail('message/bad-signature', 'device does not belong to the claimed author');
  const good = await verify(keyFromId(msg.device)!, fromBase64Url(msg.sig)!, canonicalBytes(unsigned(msg)));
  return good ? ok(msg) : fail('message/bad-signature', 'signature does not match');
}

/** Trims and bounds what a person typed; expected failures are values. */
export function validateText(text: string): Result<string> {
  const t = text.trim();
  if (t.length === 0) return fail('input/empty', 'Type a message first.');
  if (t.length > MAX_TEXT_LENGTH) return fail('input/too-long', `A message can hold at most ${MAX_TEXT_LENGTH} characters.`);
  return ok(t);
}
