import { describe, expect, it } from 'vitest';
import { toBase64Url } from './bytes.ts';
import { generateAgreementKeyPair, generateSigningKeyPair } from './crypto.ts';
import type { AccountId, DeviceId } from './ids.ts';
import { certifyDevice, type DeviceCertificate } from './message.ts';
import { makeRotation, openRotation } from './rotation.ts';

async function device(account: { publicKey: Uint8Array; privateKey: Uint8Array }, name: string) {
  const s = await generateSigningKeyPair();
  const x = await generateAgreementKeyPair();
  const cert = await certifyDevice(account.privateKey, {
    account: toBase64Url(account.publicKey) as AccountId,
    device: toBase64Url(s.publicKey) as DeviceId,
    x: toBase64Url(x.publicKey),
    name,
    created: 1,
  });
  return { cert, privateKey: s.privateKey, xPrivate: x.privateKey };
}

describe('secret rotation', () => {
  it('gives the new secret to every remaining device and not to the removed one', async () => {
    const alice = await generateSigningKeyPair();
    const bob = await generateSigningKeyPair();
    const [a1, a2, removed, b1] = await Promise.all([device(alice, 'a1'), device(alice, 'a2'), device(alice, 'old phone'), device(bob, 'b1')]);
    const certs = new Map<string, DeviceCertificate>([a1, a2, removed, b1].map((d) => [d.cert.device, d.cert]));
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const entry = await makeRotation({
      epoch: 2,
      secret,
      by: { device: a1.cert.device, privateKey: a1.privateKey },
      recipients: [...certs.values()],
      revoked: [removed.cert.device],
    });
    const wire = JSON.parse(JSON.stringify(entry));
    for (const d of [a1, a2, b1]) {
      const r = await openRotation(wire, { device: d.cert.device, xPrivate: d.xPrivate }, (id) => certs.get(id));
      expect(r?.secret).toEqual(secret);
      expect(r?.epoch).toBe(2);
    }
    expect(await openRotation(wire, { device: removed.cert.device, xPrivate: removed.xPrivate }, (id) => certs.get(id))).toBeNull();
    expect(JSON.stringify(wire)).not.toContain(toBase64Url(secret));
  });

  it('is ignored when forged, tampered, from an untrusted or revoked device, or malformed', async () => {
    const alice = await generateSigningKeyPair();
    const [a1, a2, evil] = await Promise.all([device(alice, 'a1'), device(alice, 'a2'), device(await generateSigningKeyPair(), 'evil')]);
    const certs = new Map<string, DeviceCertificate>([a1, a2].map((d) => [d.cert.device, d.cert]));
    const trusted = (id: string) => certs.get(id);
    const me = { device: a2.cert.device, xPrivate: a2.xPrivate };
    const secret = new Uint8Array(32).fill(9);
    const good = await makeRotation({ epoch: 3, secret, by: { device: a1.cert.device, privateKey: a1.privateKey }, recipients: [a2.cert], revoked: [] });
    expect(await openRotation(good, me, trusted)).not.toBeNull();
    expect(await openRotation({ ...good, epoch: 4 }, me, trusted)).toBeNull();
    expect(await openRotation({ ...good, revoked: [a1.cert.device] }, me, trusted)).toBeNull();
    const untrusted = await makeRotation({ epoch: 3, secret, by: { device: evil.cert.device, privateKey: evil.privateKey }, recipients: [a2.cert], revoked: [] });
    expect(await openRotation(untrusted, me, trusted)).toBeNull();
    const selfRevoked = await makeRotation({ epoch: 3, secret, by: { device: a1.cert.device, privateKey: a1.privateKey }, recipients: [a2.cert], revoked: [a1.cert.device] });
    expect(await openRotation(selfRevoked, me, trusted)).toBeNull();
    for (const junk of [null, {}, { ...good, keys: 'x' }, { ...good, sig: '!!' }]) expect(await openRotation(junk, me, trusted)).toBeNull();
  });
});
