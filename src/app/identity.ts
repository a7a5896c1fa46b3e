// Creating this device's identity: account keys, a device key certified by the account, and the
// account doc's secret. Everything is generated locally; nothing is sent anywhere.
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { generateAgreementKeyPair, generateSigningKeyPair } from '../core/crypto.ts';
import { DOC_SECRET_BYTES } from '../core/derive.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import { secureRandom, type AccountId, type DeviceId } from '../core/ids.ts';
import { MAX_NICKNAME } from '../core/invite.ts';
import { certifyDevice, type DeviceCertificate } from '../core/message.ts';
import type { IdentityRecord } from '../store/db.ts';

export function validateNickname(input: string): Result<string> {
  const name = input.trim().replace(/\s+/g, ' ');
  if (name.length === 0) return fail('input/empty', 'Choose a nickname first.');
  if (name.length > MAX_NICKNAME) return fail('input/too-long', `A nickname can be at most ${MAX_NICKNAME} characters.`, { max: MAX_NICKNAME });
  return ok(name);
}

export function deviceName(userAgent: string): string {
  const platform = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Mac OS X/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : 'Device';
  const browser = /Firefox\//.test(userAgent) ? 'Firefox' : /Edg\//.test(userAgent) ? 'Edge' : /Chrom/.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'Browser';
  return `${browser} on ${platform}`;
}

/** This device's own keys; the account's keys come from `createIdentity` or from a linked device. */
export async function createDeviceKeys() {
  const [signing, agreement] = await Promise.all([generateSigningKeyPair(), generateAgreementKeyPair()]);
  return { device: toBase64Url(signing.publicKey) as DeviceId, devicePrivateKey: signing.privateKey, x: toBase64Url(agreement.publicKey), deviceX25519Private: agreement.privateKey };
}

export type DeviceKeys = Awaited<ReturnType<typeof createDeviceKeys>>;

/** The account's keys as carried by a backup file or a link answer (base64url fields). */
export interface AccountSecrets {
  account: string;
  accountPrivateKey: string;
  accountX25519Public: string;
  accountX25519Private: string;
  accountDocSecret: string;
  created: number;
}

/** This device's identity record: the account's secrets plus its own keys and certificate. */
export function identityFrom(a: AccountSecrets, device: DeviceKeys, certificate: DeviceCertificate): IdentityRecord {
  return {
    id: 'self',
    account: a.account as AccountId,
    accountPrivateKey: fromBase64Url(a.accountPrivateKey)!,
    accountX25519Public: fromBase64Url(a.accountX25519Public)!,
    accountX25519Private: fromBase64Url(a.accountX25519Private)!,
    device: device.device,
    devicePrivateKey: device.devicePrivateKey,
    deviceX25519Private: device.deviceX25519Private,
    certificate,
    accountDocSecret: fromBase64Url(a.accountDocSecret)!,
    created: a.created,
  };
}

export async function createIdentity(now: number, name: string): Promise<IdentityRecord> {
  const [account, agreement, device] = await Promise.all([generateSigningKeyPair(), generateAgreementKeyPair(), createDeviceKeys()]);
  const accountId = toBase64Url(account.publicKey) as AccountId;
  const certificate = await certifyDevice(account.privateKey, { account: accountId, device: device.device, x: device.x, name, created: now });
  return {
    id: 'self',
    account: accountId,
    accountPrivateKey: account.privateKey,
    accountX25519Public: agreement.publicKey,
    accountX25519Private: agreement.privateKey,
    device: device.device,
    devicePrivateKey: device.devicePrivateKey,
    deviceX25519Private: device.deviceX25519Private,
    certificate,
    accountDocSecret: secureRandom(DOC_SECRET_BYTES),
    created: now,
  };
}
