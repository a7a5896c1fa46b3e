// Secret rotation: when a device is removed, every doc it could read gets a new secret (a new
// epoch). The new secret is written into the OLD doc, sealed separately to each remaining device's
// X25519 key (from its device certificate), so the removed device — which can still read the old
// doc — learns nothing; everyone else moves to the new room.
//
// An entry is signed by the rotating device's key; readers accept it only from a device whose
// certificate they trust for that doc, and ignore epochs not above the one they are on.
import * as v from 'valibot';
import { fromBase64Url, toBase64Url, utf8 } from './bytes.ts';
import { canonicalBytes } from './canonical.ts';
import { agree, generateAgreementKeyPair, hkdf, keyFromId, open, seal, sign, verify } from './crypto.ts';
import type { DeviceId } from './ids.ts';
import type { DeviceCertificate } from './message.ts';

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));

export const RotationSchema = v.object({
  v: v.literal(1),
  epoch: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  by: keyId,
  revoked: v.array(keyId),
  e: keyId,
  keys: v.record(v.string(), v.string()),
  sig: v.string(),
});
export type Rotation = v.InferOutput<typeof RotationSchema>;

async function recipientKey(dh: Uint8Array, epoch: number, device: string): Promise<Uint8Array> {
  return hkdf(dh, utf8(`floe/v1/rotation/${epoch}`), device, 32);
}

export async function makeRotation(opts: {
  epoch: number;
  secret: Uint8Array;
  by: { device: DeviceId; privateKey: Uint8Array };
  recipients: Pick<DeviceCertificate, 'device' | 'x'>[];
  revoked: DeviceId[];
}): Promise<Rotation> {
  const eph = await generateAgreementKeyPair();
  const keys: Record<string, string> = {};
  for (const r of opts.recipients) {
    if (opts.revoked.includes(r.device)) continue;
    const k = await recipientKey(await agree(eph.privateKey, keyFromId(r.x)!), opts.epoch, r.device);
    keys[r.device] = toBase64Url(await seal(k, opts.secret, utf8(r.device)));
  }
  const body = { v: 1 as const, epoch: opts.epoch, by: opts.by.device, revoked: [...opts.revoked], e: toBase64Url(eph.publicKey), keys };
  return { ...body, sig: toBase64Url(await sign(opts.by.privateKey, canonicalBytes(body))) };
}

/**
 * The new secret for `me`, or null: malformed, not signed by a trusted device (`trusted` returns
 * the certificate of the signer if the reader trusts it), or nothing sealed to this device.
 */
export async function openRotation(
  input: unknown,
  me: { device: string; xPrivate: Uint8Array },
  trusted: (device: string) => DeviceCertificate | undefined,
): Promise<{ epoch: number; secret: Uint8Array; revoked: string[] } | null> {
  const parsed = v.safeParse(RotationSchema, input);
  if (!parsed.success) return null;
  const { sig, ...body } = parsed.output;
  const signer = trusted(body.by);
  if (!signer || body.revoked.includes(body.by)) return null;
  const sigBytes = fromBase64Url(sig);
  if (!sigBytes || !(await verify(keyFromId(signer.device)!, sigBytes, canonicalBytes(body)))) return null;
  const box = body.keys[me.device];
  const boxBytes = box ? fromBase64Url(box) : null;
  if (!boxBytes) return null;
  try {
    const k = await recipientKey(await agree(me.xPrivate, keyFromId(body.e)!), body.epoch, me.device);
    const secret = await open(k, boxBytes, utf8(me.device));
    return secret && secret.length === 32 ? { epoch: body.epoch, secret, revoked: body.revoked } : null;
  } catch {
    return null;
  }
}
