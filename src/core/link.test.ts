import { describe, expect, it } from 'vitest';
import { toBase64Url } from './bytes.ts';
import { generateAgreementKeyPair, generateSigningKeyPair } from './crypto.ts';
import type { AccountId, DeviceId } from './ids.ts';
import { decodeLinkCode, encodeLinkCode, judgeRoom, linkKeys, makeAnswer, makeRequest, openAnswer, openEntry, sealEntry, shortAuthString, type Grant } from './link.ts';
import { certifyDevice } from './message.ts';

const NOW = 1_790_000_000_000;
const code = () => crypto.getRandomValues(new Uint8Array(10));

async function newDevice() {
  const s = await generateSigningKeyPair();
  const x = await generateAgreementKeyPair();
  return { device: toBase64Url(s.publicKey), x: toBase64Url(x.publicKey), name: 'Firefox on Linux' };
}

describe('link codes', () => {
  it('round-trip as four groups of Crockford base32, forgiving case, spaces and look-alikes', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = code();
      const text = encodeLinkCode(bytes);
      expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect(decodeLinkCode(text)).toEqual(bytes);
      expect(decodeLinkCode(` ${text.toLowerCase().replace(/-/g, ' ')} `)).toEqual(bytes);
    }
    expect(decodeLinkCode('0000-0000-0000-000O')).toEqual(decodeLinkCode('0000-0000-0000-0000'));
    for (const bad of ['', 'ABCD', 'ABCD-EFGH-JKMN-PQR', 'ABCD-EFGH-JKMN-PQRSU', 'ABCD-EFGH-JKMN-PQR!']) expect(decodeLinkCode(bad)).toBeNull();
  });
});

describe('the rendezvous room', () => {
  it('refuses a wrong code, an expired offer and a used code; accepts a fresh offer', async () => {
    const keys = await linkKeys(code());
    const offer = { t: 'offer' as const, exp: NOW + 1000, name: 'Alice' };
    const { request } = await makeRequest(await newDevice());
    const code_ = (r: ReturnType<typeof judgeRoom>) => (r.ok ? 'ok' : r.error.code);
    expect(code_(judgeRoom([], NOW))).toBe('link/wrong-code');
    expect(code_(judgeRoom([offer], NOW + 1000))).toBe('link/expired');
    expect(code_(judgeRoom([offer, request], NOW))).toBe('link/used');
    expect(code_(judgeRoom([offer], NOW))).toBe('ok');
    // Entries sealed under another code do not open.
    const other = await linkKeys(code());
    expect(await openEntry(keys, await sealEntry(other, offer))).toBeNull();
    expect(await openEntry(keys, await sealEntry(keys, offer))).toEqual(offer);
    expect(await openEntry(keys, new Uint8Array(40))).toBeNull();
  });

  it('gives both devices the same SAS, and a different one for a raced request', async () => {
    const keys = await linkKeys(code());
    const { request } = await makeRequest(await newDevice());
    const { request: evil } = await makeRequest(await newDevice());
    const sas = await shortAuthString(keys, request);
    expect(sas).toMatch(/^\d{3} \d{3}$/);
    expect(await shortAuthString(keys, JSON.parse(JSON.stringify(request)))).toBe(sas);
    expect(await shortAuthString(keys, evil)).not.toBe(sas);
  });

  it('hands the account over only to the requesting device', async () => {
    const keys = await linkKeys(code());
    const dev = await newDevice();
    const { request, ephemeralPrivate } = await makeRequest(dev);
    const account = await generateSigningKeyPair();
    const accountId = toBase64Url(account.publicKey) as AccountId;
    const certificate = await certifyDevice(account.privateKey, { account: accountId, device: dev.device as DeviceId, x: dev.x, name: dev.name, created: NOW });
    const grant: Grant = {
      v: 1,
      account: accountId,
      accountPrivateKey: toBase64Url(account.privateKey),
      accountX25519Public: 'x',
      accountX25519Private: 'y',
      accountDocSecret: toBase64Url(new Uint8Array(32)),
      certificate,
      created: NOW,
    };
    const answer = await makeAnswer(keys, request, grant);
    if (answer.t !== 'answer') throw new Error('not an answer');
    const opened = await openAnswer(keys, request, ephemeralPrivate, answer);
    expect(opened.ok && opened.value).toEqual(grant);
    // Someone who knows the code but not the ephemeral key cannot open it.
    const { ephemeralPrivate: otherEph } = await makeRequest(await newDevice());
    const stolen = await openAnswer(keys, request, otherEph, answer);
    expect(!stolen.ok && stolen.error.code).toBe('link/damaged');
    const tampered = await openAnswer(keys, request, ephemeralPrivate, { ...answer, box: answer.box.slice(0, -4) + 'AAAA' });
    expect(!tampered.ok && tampered.error.code).toBe('link/damaged');
  });
});
