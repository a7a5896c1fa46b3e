import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AccountDoc } from './account-doc.ts';
import { BACKUP_ITERATIONS, decryptBackup, encryptBackup, inspectBackup, type BackupPayload } from './backup.ts';
import { buf, fromBase64Url, toBase64Url, utf8 } from './bytes.ts';
import { canonicalBytes, canonicalJson } from './canonical.ts';
import { generateAgreementKeyPair, generateSigningKeyPair, hkdf, open, seal } from './crypto.ts';
import type { FloeErrorCode, Result } from './errors.ts';
import type { RoomId } from './ids.ts';

const PASS = 'correct horse battery staple';
const FAST = { iterations: 1000 };
const NOW = 1_790_000_000_000;

async function account() {
  const signing = await generateSigningKeyPair();
  const agreement = await generateAgreementKeyPair();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const doc = new Y.Doc();
  const acc = new AccountDoc(doc);
  acc.setProfile({ name: 'Alice Secretname', created: NOW });
  acc.setSetting('language', 'fr');
  acc.markRead('room-1' as RoomId, '0001');
  const chat = new Y.Doc();
  chat.getArray<string>('messages').push(['hello from a very private chat']);
  const payload: BackupPayload = {
    v: 1,
    identity: {
      account: toBase64Url(signing.publicKey),
      accountPrivateKey: toBase64Url(signing.privateKey),
      accountX25519Public: toBase64Url(agreement.publicKey),
      accountX25519Private: toBase64Url(agreement.privateKey),
      accountDocSecret: toBase64Url(secret),
      created: NOW - 1000,
    },
    docs: {
      account: toBase64Url(Y.encodeStateAsUpdate(doc)),
      '0123456789abcdef0123456789abcdef': toBase64Url(Y.encodeStateAsUpdate(chat)),
    },
    created: NOW,
  };
  return { payload, doc, chat };
}

async function file(payload: BackupPayload, passphrase = PASS, opts: Parameters<typeof encryptBackup>[2] = FAST): Promise<string> {
  const r = await encryptBackup(payload, passphrase, opts);
  if (!r.ok) throw r.error;
  return r.value;
}

const code = (r: Result<unknown>): FloeErrorCode | 'ok' => (r.ok ? 'ok' : r.error.code);

const edit = (text: string, change: (o: Record<string, any>) => void): string => {
  const o = JSON.parse(text) as Record<string, any>;
  change(o);
  return JSON.stringify(o);
};

/** Flips one bit of the decoded `data` at `at` (negative counts from the end). */
const flipData = (text: string, at: number) =>
  edit(text, (o) => {
    const bytes = fromBase64Url(o.data as string)!;
    bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
    o.data = toBase64Url(bytes);
  });

/** An independent reading of the documented format, to seal payloads encryptBackup would refuse. */
async function sealRaw(payloadJson: string, passphrase: string, iterations = 1000): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const base = await crypto.subtle.importKey('raw', buf(utf8(passphrase)), 'PBKDF2', false, ['deriveBits']);
  const master = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, 256));
  const key = await hkdf(master, salt, 'floe/v1/backup-key', 32);
  const check = await hkdf(master, salt, 'floe/v1/backup-check', 32);
  const header = {
    format: 'floe-backup',
    v: 1,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64Url(salt) },
    cipher: 'AES-256-GCM',
    created: NOW,
    check: toBase64Url(check),
  };
  const box = await seal(key, utf8(payloadJson), canonicalBytes(header));
  return JSON.stringify({ ...header, data: toBase64Url(box) });
}

describe('account backup', () => {
  it('round-trips keys and documents; a restored Y.Doc equals the original', async () => {
    const { payload, doc, chat } = await account();
    const text = await file(payload);
    const opened = await decryptBackup(text, PASS);
    if (!opened.ok) throw opened.error;
    expect(opened.value).toEqual(payload);

    const restored = new Y.Doc();
    Y.applyUpdate(restored, fromBase64Url(opened.value.docs['account']!)!);
    // toJSON lists only root types that have been given a type; name them as AccountDoc does.
    for (const name of doc.share.keys()) restored.getMap(name);
    expect(restored.toJSON()).toEqual(doc.toJSON());
    expect(Y.encodeStateVector(restored)).toEqual(Y.encodeStateVector(doc));
    const acc = new AccountDoc(restored);
    expect(acc.profile()).toEqual({ name: 'Alice Secretname', created: NOW });
    expect(acc.settings()).toEqual({ language: 'fr' });

    const restoredChat = new Y.Doc();
    Y.applyUpdate(restoredChat, fromBase64Url(opened.value.docs['0123456789abcdef0123456789abcdef']!)!);
    expect(restoredChat.getArray('messages').toArray()).toEqual(chat.getArray('messages').toArray());
  });

  it('uses 600 000 PBKDF2 iterations by default and shows the header without the passphrase', async () => {
    const { payload } = await account();
    const text = await file(payload, PASS, {});
    expect(JSON.parse(text).kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: BACKUP_ITERATIONS });
    expect(BACKUP_ITERATIONS).toBe(600_000);
    expect(inspectBackup(text)).toEqual({ ok: true, value: { created: NOW, iterations: 600_000 } });
    const opened = await decryptBackup(text, PASS);
    expect(opened.ok && opened.value).toEqual(payload);
  });

  it('writes the documented header, fields in canonical order', async () => {
    const { payload } = await account();
    const text = await file(payload);
    const o = JSON.parse(text);
    expect(Object.keys(o)).toEqual(['check', 'cipher', 'created', 'data', 'format', 'kdf', 'v']);
    expect(o).toMatchObject({ format: 'floe-backup', v: 1, cipher: 'AES-256-GCM', created: NOW });
    expect(o.kdf.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(o.check).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(canonicalJson(o)).toBe(text);
  });

  it('refuses a wrong passphrase as such, and an empty one', async () => {
    const { payload } = await account();
    const text = await file(payload);
    expect(code(await decryptBackup(text, PASS + ' '))).toBe('backup/wrong-passphrase');
    expect(code(await decryptBackup(text, 'Correct horse battery staple'))).toBe('backup/wrong-passphrase');
    expect(code(await decryptBackup(text, ''))).toBe('input/empty');
    const r = await decryptBackup(text, 'nope nope');
    expect(!r.ok && r.error.message).toMatch(/passphrase/i);
  });

  it('refuses an empty or short passphrase when encrypting; 8 characters (not UTF-16 units) are enough', async () => {
    const { payload } = await account();
    expect(code(await encryptBackup(payload, '', FAST))).toBe('input/empty');
    expect(code(await encryptBackup(payload, '1234567', FAST))).toBe('input/too-short');
    expect(code(await encryptBackup(payload, '😀😀😀😀', FAST))).toBe('input/too-short'); // 8 UTF-16 units, 4 characters
    expect(code(await encryptBackup(payload, '12345678', FAST))).toBe('ok');
    const r = await encryptBackup(payload, 'short', FAST);
    expect(!r.ok && r.error.message).toMatch(/at least 8/);
  });

  it('throws for programming errors: an iteration count out of range, a payload failing the schema', async () => {
    const { payload } = await account();
    await expect(encryptBackup(payload, PASS, { iterations: 10 })).rejects.toThrow(RangeError);
    await expect(encryptBackup(payload, PASS, { iterations: 1e9 })).rejects.toThrow(RangeError);
    const broken = { ...payload, identity: { ...payload.identity, accountDocSecret: 'short' } };
    await expect(encryptBackup(broken, PASS, FAST)).rejects.toThrow(TypeError);
  });

  it('opens with the same passphrase typed in another Unicode normalisation form', async () => {
    const { payload } = await account();
    const text = await file(payload, 'crème brûlée 2026'.normalize('NFC'));
    expect(code(await decryptBackup(text, 'crème brûlée 2026'.normalize('NFD')))).toBe('ok');
  });

  it('refuses damaged files without returning anything', async () => {
    const { payload } = await account();
    const text = await file(payload);
    const cases: Record<string, string> = {
      'truncated end': text.slice(0, -1),
      'truncated half': text.slice(0, text.length / 2),
      'data truncated': edit(text, (o) => (o.data = o.data.slice(0, -8))),
      'data cut to less than nonce + tag': edit(text, (o) => (o.data = o.data.slice(0, 30))),
      'byte flipped in ciphertext': flipData(text, 40),
      'byte flipped in tag': flipData(text, -1),
      'byte flipped in nonce': flipData(text, 0),
      'data not base64url': edit(text, (o) => (o.data = o.data.slice(0, 10) + '+' + o.data.slice(11))),
      'created changed (aad)': edit(text, (o) => (o.created += 1)),
      'cipher changed': edit(text, (o) => (o.cipher = 'AES-128-GCM')),
      'kdf hash changed': edit(text, (o) => (o.kdf.hash = 'SHA-1')),
      'unknown header field': edit(text, (o) => (o.extra = 1)),
      'missing check': edit(text, (o) => delete o.check),
      'absurd iteration count': edit(text, (o) => (o.kdf.iterations = 2 ** 40)),
      'version as a string': edit(text, (o) => (o.v = '1')),
      'not JSON': 'this is not a backup',
      'JSON null': 'null',
      'JSON array': '[1,2,3]',
      empty: '',
      blank: ' \n ',
      'another format': JSON.stringify({ format: 'other-backup', v: 1 }),
      'no format': edit(text, (o) => delete o.format),
    };
    for (const [name, damaged] of Object.entries(cases)) {
      const r = await decryptBackup(damaged, PASS);
      expect([name, code(r)]).toEqual([name, 'backup/damaged']);
    }
    const other = await decryptBackup(cases['another format']!, PASS);
    expect(!other.ok && other.error.message).toMatch(/not a Floe backup/);
  });

  it('tells a file from a newer Floe apart from a damaged one', async () => {
    const { payload } = await account();
    const text = await file(payload);
    const r = await decryptBackup(edit(text, (o) => (o.v = 2)), PASS);
    expect(code(r)).toBe('backup/unsupported-version');
    expect(!r.ok && r.error.message).toMatch(/newer version/);
    expect(code(inspectBackup(edit(text, (o) => (o.v = 2))))).toBe('backup/unsupported-version');
  });

  it('reads damage to the KDF inputs as a wrong passphrase (documented limit)', async () => {
    const { payload } = await account();
    const text = await file(payload);
    const otherSalt = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    expect(code(await decryptBackup(edit(text, (o) => (o.kdf.salt = otherSalt)), PASS))).toBe('backup/wrong-passphrase');
    expect(code(await decryptBackup(edit(text, (o) => (o.kdf.iterations += 1)), PASS))).toBe('backup/wrong-passphrase');
  });

  it('refuses a well-sealed payload that fails the schema, and reads an independently sealed one', async () => {
    const { payload } = await account();
    const good = await sealRaw(canonicalJson(payload), PASS);
    expect(code(await decryptBackup(good, PASS))).toBe('ok');
    const bad: Record<string, string> = {
      'missing identity': canonicalJson({ ...payload, identity: null }),
      'short doc secret': canonicalJson({ ...payload, identity: { ...payload.identity, accountDocSecret: 'AAAA' } }),
      'doc not base64url': canonicalJson({ ...payload, docs: { account: 'not base64!' } }),
      'bad doc id': canonicalJson({ ...payload, docs: { 'a/b': 'AAAA' } }),
      'payload v2': canonicalJson({ ...payload, v: 2 }),
      'created differs from header': canonicalJson({ ...payload, created: NOW + 1 }),
      'not JSON': '{"v":1,',
    };
    for (const [name, json] of Object.entries(bad)) {
      expect([name, code(await decryptBackup(await sealRaw(json, PASS), PASS))]).toEqual([name, 'backup/damaged']);
    }
  });

  it('is not deterministic: two files of the same payload share no salt, nonce or ciphertext', async () => {
    const { payload } = await account();
    const a = JSON.parse(await file(payload));
    const b = JSON.parse(await file(payload));
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.check).not.toBe(b.check);
    expect(a.data.slice(0, 16)).not.toBe(b.data.slice(0, 16));
    expect(a.data).not.toBe(b.data);
  });

  it('takes its randomness from the injected source', async () => {
    const { payload } = await account();
    const fixed = (n: number) => new Uint8Array(n).fill(7);
    const a = await file(payload, PASS, { ...FAST, random: fixed });
    const b = await file(payload, PASS, { ...FAST, random: fixed });
    expect(a).toBe(b);
    expect(JSON.parse(a).kdf.salt).toBe(toBase64Url(fixed(16)));
  });

  it('never puts the passphrase, the keys or document contents in the file', async () => {
    const { payload } = await account();
    const passphrase = 'UniquePassphraseCanary-42';
    const text = await file(payload, passphrase);
    expect(text).not.toContain(passphrase);
    expect(text).not.toContain(toBase64Url(utf8(passphrase)));
    for (const [name, value] of Object.entries(payload.identity)) {
      if (typeof value === 'string') expect([name, text.includes(value)]).toEqual([name, false]);
    }
    for (const value of Object.values(payload.docs)) expect(text).not.toContain(value.slice(0, 40));
    expect(text).not.toContain('Secretname');
    expect(text).not.toContain('private chat');
  });

  it('never throws for junk input', async () => {
    const junk = ['{', '{}', '"floe-backup"', '{"format":"floe-backup"}', '{"format":"floe-backup","v":1e999}', '\u0000', '{"format":"floe-backup","v":-1}'];
    for (const text of junk) expect(code(await decryptBackup(text, PASS))).not.toBe('ok');
    const { payload } = await account();
    expect(code(await decryptBackup(await file(payload), '\u{1F600}'.repeat(10_000)))).toBe('backup/wrong-passphrase');
  });

  it('derives the cipher key and the check separately: the check cannot open the data', async () => {
    const { payload } = await account();
    const text = await file(payload);
    const o = JSON.parse(text);
    const { data: _data, ...header } = o;
    // The check value must not be usable as the AES key.
    expect(await open(fromBase64Url(o.check)!, fromBase64Url(o.data)!, canonicalBytes(header))).toBeNull();
  });
});
