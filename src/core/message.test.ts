import { describe, expect, it } from 'vitest';
import { toBase64Url } from './bytes.ts';
import { generateSigningKeyPair } from './crypto.ts';
import { encodeHlc } from './hlc.ts';
import type { AccountId, DeviceId, MessageId } from './ids.ts';
import { certifyDevice, signMessage, validateText, verifyCertificate, verifyMessage, type MessageDraft } from './message.ts';

async function identity(name: string) {
  const account = await generateSigningKeyPair();
  const device = await generateSigningKeyPair();
  const accountId = toBase64Url(account.publicKey) as AccountId;
  const deviceId = toBase64Url(device.publicKey) as DeviceId;
  const cert = await certifyDevice(account.privateKey, { account: accountId, device: deviceId, x: toBase64Url(device.publicKey), name, created: 1 });
  return { account, device, accountId, deviceId, cert };
}

const draft = (author: AccountId, device: DeviceId, text = 'hello'): MessageDraft => ({
  v: 1,
  id: toBase64Url(new Uint8Array(16).fill(7)) as MessageId,
  author,
  device,
  hlc: encodeHlc({ wall: 1_790_000_000_000, counter: 0, node: 'n1' }),
  kind: 'text',
  text,
});

describe('device certificates', () => {
  it('verify when signed by the account key, and not when altered', async () => {
    const alice = await identity('laptop');
    expect(await verifyCertificate(alice.cert)).toEqual(alice.cert);
    expect(await verifyCertificate({ ...alice.cert, name: 'phone' })).toBeNull();
    const mallory = await identity('evil');
    expect(await verifyCertificate({ ...mallory.cert, account: alice.accountId })).toBeNull();
    expect(await verifyCertificate({ nonsense: true })).toBeNull();
  });
});

describe('message signatures', () => {
  it('verify for the author device and survive a JSON round trip', async () => {
    const alice = await identity('laptop');
    const msg = await signMessage(alice.device.privateKey, draft(alice.accountId, alice.deviceId));
    const r = await verifyMessage(JSON.parse(JSON.stringify(msg)), alice.cert);
    expect(r.ok && r.value.text).toBe('hello');
  });

  it('reject altered text, a foreign device, a forged author and malformed input', async () => {
    const alice = await identity('laptop');
    const mallory = await identity('evil');
    const msg = await signMessage(alice.device.privateKey, draft(alice.accountId, alice.deviceId));
    const altered = await verifyMessage({ ...msg, text: 'pay mallory' }, alice.cert);
    expect(!altered.ok && altered.error.code).toBe('message/bad-signature');

    // Mallory signs with her own device but claims Alice wrote it.
    const forged = await signMessage(mallory.device.privateKey, draft(alice.accountId, mallory.deviceId));
    const r1 = await verifyMessage(forged, mallory.cert);
    expect(!r1.ok && r1.error.code).toBe('message/bad-signature');
    const r2 = await verifyMessage(forged, undefined);
    expect(!r2.ok && r2.error.code).toBe('message/unknown-device');

    for (const bad of [null, 'x', { ...msg, v: 2 }, { ...msg, hlc: 'yesterday' }, { ...msg, text: '' }, { ...msg, sig: 'AA' }]) {
      const r = await verifyMessage(bad, alice.cert);
      expect(!r.ok && r.error.code).toBe('message/invalid');
    }
  });
});

describe('validateText', () => {
  it('trims, refuses empty and overlong text', () => {
    expect(validateText('  hi ')).toEqual({ ok: true, value: 'hi' });
    expect(validateText('   ').ok).toBe(false);
    expect(validateText('x'.repeat(8001)).ok).toBe(false);
  });
});

describe('replies and mentions', () => {
  it('are part of what is signed: changing, adding or dropping them breaks the signature', async () => {
    const alice = await identity('laptop');
    const bob = await identity('phone');
    const other = toBase64Url(new Uint8Array(16).fill(9)) as MessageId;
    const signed = await signMessage(alice.device.privateKey, { ...draft(alice.accountId, alice.deviceId, '@Bob look'), reply: other, mentions: [bob.accountId] });
    const r = await verifyMessage(JSON.parse(JSON.stringify(signed)), alice.cert);
    expect(r.ok && [r.value.reply, r.value.mentions]).toEqual([other, [bob.accountId]]);

    const { reply: _r, ...noReply } = signed;
    const { mentions: _m, ...noMentions } = signed;
    for (const tampered of [
      { ...signed, reply: toBase64Url(new Uint8Array(16).fill(1)) },
      { ...signed, mentions: [alice.accountId] },
      { ...signed, mentions: [bob.accountId, alice.accountId] },
      noReply,
      noMentions,
    ]) {
      const t = await verifyMessage(tampered, alice.cert);
      expect(!t.ok && t.error.code).toBe('message/bad-signature');
    }
    // A plain message signed without them gains none on the way.
    const plain = await signMessage(alice.device.privateKey, draft(alice.accountId, alice.deviceId));
    const p = await verifyMessage(plain, alice.cert);
    expect(p.ok && 'reply' in p.value).toBe(false);
    const added = await verifyMessage({ ...plain, mentions: [bob.accountId] }, alice.cert);
    expect(!added.ok && added.error.code).toBe('message/bad-signature');
  });

  it('refuse malformed reply ids and mention lists', async () => {
    const alice = await identity('laptop');
    const bob = await identity('phone');
    const base = draft(alice.accountId, alice.deviceId);
    for (const extra of [{ reply: 'short' }, { mentions: [] }, { mentions: ['nope'] }, { mentions: [bob.accountId, bob.accountId] }, { mentions: Array(257).fill(bob.accountId) }]) {
      const signed = await signMessage(alice.device.privateKey, { ...base, ...extra } as MessageDraft);
      const r = await verifyMessage(signed, alice.cert);
      expect(!r.ok && r.error.code).toBe('message/invalid');
    }
  });
});
