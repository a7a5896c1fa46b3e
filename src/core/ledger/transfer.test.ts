import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromHex, utf8 } from '../bytes.ts';
import { sign } from '../crypto.ts';
import type { AccountId } from '../ids.ts';
import {
  decodeTransfer,
  encodeTransfer,
  MAX_AMOUNT,
  MAX_MEMO_BYTES,
  newTransferId,
  parseEncodedTransfer,
  parseTransfer,
  signTransfer,
  transferHash,
  transferJson,
  transferSigningBytes,
  verifyTransferSignature,
  ZERO_HASH,
  type SignedTransfer,
  type TransferBody,
  type TransferId,
} from './transfer.ts';

// RFC 8032 §7.1, TEST 1: a fixed Ed25519 key, so the vectors below are reproducible anywhere.
const SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const PKCS8 = new Uint8Array([...fromHex('302e020100300506032b657004220420'), ...SEED]);
const PAYER = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' as AccountId; // d75a9801… (RFC 8032 public key)
const PAYEE = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc' as AccountId;

const BODY: TransferBody = {
  v: 1,
  id: 'AAECAwQFBgcICQoLDA0ODw' as TransferId,
  from: PAYER,
  to: PAYEE,
  amount: 250,
  seq: 1,
  prev: ZERO_HASH,
  kind: 'tip',
  memo: 'thanks! 谢谢',
  ref: 'EBESExQVFhcYGRobHB0eHw',
  created: 1767225600000,
};

// Vectors: written out by hand for the encoding; the signature and hashes were computed with
// node:crypto (an independent Ed25519/SHA-256 implementation) over exactly these bytes.
const CANONICAL_BODY =
  '{"amount":250,"created":1767225600000,"from":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","id":"AAECAwQFBgcICQoLDA0ODw","kind":"tip","memo":"thanks! 谢谢","prev":"0000000000000000000000000000000000000000000000000000000000000000","ref":"EBESExQVFhcYGRobHB0eHw","seq":1,"to":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc","v":1}';
const SIG = '2cUJ-b4tuQoakU4425JJZCF9l_zbmvIoPsESR4PsTkGV_TvpJWspsWCcfsY2OF7Q2klf5xPjq3bK64r53zMnCg';
const CANONICAL_SIGNED = CANONICAL_BODY.replace('"seq":1,', `"seq":1,"sig":"${SIG}",`);
const HASH = 'de5dbfcf961d4785fb61fc9f63fa99b36bc754ab135cbcae68c7069703271d43';

describe('transfer encoding and signatures', () => {
  it('RFC 8032 test 1 holds for the WebCrypto wrapper (the key behind the vectors)', async () => {
    const sig = await sign(PKCS8, new Uint8Array(0));
    expect(Buffer.from(sig).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('signs the context-prefixed canonical body (vector)', async () => {
    expect(Buffer.from(transferSigningBytes(BODY)).toString()).toBe(`floe/v1/ledger-transfer\0${CANONICAL_BODY}`);
    const signed = await signTransfer(PKCS8, BODY);
    expect(signed.sig).toBe(SIG);
    expect(transferJson(signed)).toBe(CANONICAL_SIGNED);
    expect(await transferHash(signed)).toBe(HASH);
    expect(createHash('sha256').update(CANONICAL_SIGNED).digest('hex')).toBe(HASH);
    // An independent verifier agrees.
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(fromBase64Url(PAYER)!)]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(nodeVerify(null, transferSigningBytes(signed), key, Buffer.from(fromBase64Url(SIG)!))).toBe(true);
  });

  it('does not depend on field order or on a `sig` field present while signing', async () => {
    const shuffled = Object.fromEntries(Object.entries(BODY).reverse()) as unknown as TransferBody;
    expect((await signTransfer(PKCS8, shuffled)).sig).toBe(SIG);
    expect((await signTransfer(PKCS8, { ...BODY, sig: 'x' } as TransferBody)).sig).toBe(SIG);
  });

  it('verifies a good signature and refuses any change to any signed field', async () => {
    const signed = await signTransfer(PKCS8, BODY);
    expect(await verifyTransferSignature(signed)).toBe(true);
    const changes: Partial<SignedTransfer>[] = [
      { amount: 251 },
      { to: PAYER },
      { seq: 2 },
      { prev: 'f'.repeat(64) },
      { memo: 'thanks' },
      { kind: 'transfer' },
      { created: 1 },
      { id: 'AAECAwQFBgcICQoLDA0ODx' as TransferId },
      { sig: SIG.slice(0, -2) + 'Cw' },
    ];
    for (const change of changes) expect(await verifyTransferSignature({ ...signed, ...change }), JSON.stringify(change)).toBe(false);
    expect(await verifyTransferSignature({ ...signed, from: PAYEE })).toBe(false);
  });

  it('round-trips canonical bytes and refuses non-canonical ones', async () => {
    const signed = await signTransfer(PKCS8, BODY);
    const bytes = encodeTransfer(signed);
    const back = decodeTransfer(bytes);
    expect(back.ok && back.value).toEqual(signed);
    const spaced = utf8(JSON.stringify(signed, null, 1));
    expect(decodeTransfer(spaced)).toMatchObject({ ok: false, refusal: { code: 'bad-request' } });
    expect(decodeTransfer(Uint8Array.of(0xff, 0xfe))).toMatchObject({ ok: false, refusal: { code: 'bad-request' } });
  });
});

describe('newTransferId', () => {
  it('is 16 bytes: the creation time in ms, big-endian, then 80 random bits', () => {
    const zeros = (n: number) => new Uint8Array(n);
    const at = Date.UTC(2026, 10, 22, 23, 40);
    const id = newTransferId(zeros, at);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const bytes = fromBase64Url(id)!;
    expect(bytes).toHaveLength(16);
    expect(bytes.slice(0, 6).reduce((t, b) => t * 256 + b, 0)).toBe(at);
    expect(bytes.slice(6)).toEqual(zeros(10));
    const later = [at + 1, at + 1000, at + 86_400_000].map((t) => newTransferId(zeros, t));
    expect(later.map((l) => fromBase64Url(l)!.slice(0, 6).reduce((t, b) => t * 256 + b, 0))).toEqual([at + 1, at + 1000, at + 86_400_000]);
    // The 48 time bits fill the first 8 characters exactly: ids of one millisecond share them,
    // so ids made close in time sit together in the relay's index.
    expect(newTransferId(undefined, at).slice(0, 8)).toBe(id.slice(0, 8));
    // Two ids of the same millisecond differ in their 80 random bits.
    expect(newTransferId(undefined, at)).not.toBe(newTransferId(undefined, at));
  });
});

describe('parseTransfer', () => {
  const good = async () => signTransfer(PKCS8, BODY);
  const code = async (over: Record<string, unknown>, drop?: string) => {
    const t: Record<string, unknown> = { ...(await good()), ...over };
    if (drop) delete t[drop];
    const r = parseTransfer(t);
    return r.ok ? 'ok' : r.refusal.code;
  };

  it('parseEncodedTransfer gives the same verdicts and the canonical bytes it measured', async () => {
    const t = await good();
    const r = parseEncodedTransfer({ ...t });
    expect(r.ok && r.value.transfer).toEqual(t);
    expect(r.ok && r.value.bytes).toEqual(encodeTransfer(t));
    for (const bad of [{ ...t, amount: 0 }, { ...t, v: 2 }, null]) expect(parseEncodedTransfer(bad)).toEqual(parseTransfer(bad));
  });

  it('accepts a good transfer', async () => {
    expect(await code({})).toBe('ok');
    expect(await code({ memo: 'x'.repeat(MAX_MEMO_BYTES) })).toBe('ok');
    expect(await code({ amount: MAX_AMOUNT })).toBe('ok');
  });

  it('refuses zero, negative, fractional, non-numeric, missing and huge amounts as bad-amount', async () => {
    for (const amount of [0, -1, 1.5, '5', null, Number.NaN, Infinity, MAX_AMOUNT + 1, 2 ** 60, true]) {
      expect(await code({ amount }), String(amount)).toBe('bad-amount');
    }
    expect(await code({}, 'amount')).toBe('bad-amount');
  });

  it('refuses what cannot be a v1 transfer as bad-request, naming the field', async () => {
    const cases: [Record<string, unknown>, string?][] = [
      [{ v: 2 }],
      [{}, 'v'],
      [{ id: 'short' }],
      [{ from: 'not-a-key' }],
      [{ to: 'A'.repeat(42) + 'B' }], // 43 characters, but not canonical base64url of 32 bytes
      [{ seq: 0 }],
      [{ seq: 1.5 }],
      [{ prev: 'F'.repeat(64) }],
      [{ kind: 'Mint' }],
      [{ kind: 'x'.repeat(33) }],
      [{ memo: 'x'.repeat(MAX_MEMO_BYTES + 1) }],
      [{ memo: '谢'.repeat(94) }], // 282 UTF-8 bytes
      [{ memo: 'bad \ud800 surrogate' }],
      [{ memo: 5 }],
      [{ created: -1 }],
      [{ sig: 'short' }],
      [{ extra: 1 }],
      [{ ref: 'has spaces' }],
      [{ data: { 'Bad-Key': 1 } }],
      [{}, 'sig'],
      [{}, 'memo'],
    ];
    for (const [over, drop] of cases) expect(await code(over, drop), JSON.stringify(over) + (drop ?? '')).toBe('bad-request');
    for (const input of [null, 5, 'transfer', [], undefined]) {
      const r = parseTransfer(input);
      expect(r.ok ? 'ok' : r.refusal.code).toBe('bad-request');
    }
    const data = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, '谢'.repeat(128)])); // 3 bytes a character
    const big = parseTransfer({ ...(await good()), memo: 'x'.repeat(MAX_MEMO_BYTES), data });
    expect(!big.ok && big.refusal).toEqual({ code: 'bad-request', message: 'a transfer may be at most 2048 bytes' });
    const r = parseTransfer({ ...(await good()), prev: 'F'.repeat(64) });
    expect(!r.ok && r.refusal.message).toMatch(/prev/);
  });
});
