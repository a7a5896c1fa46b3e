// The encrypted account backup: the account's keys and every document's Yjs state in one text
// file, sealed under a passphrase, so a fresh browser can become this account again.
//
// Protects: confidentiality and integrity of everything inside. The file is useless without the
// passphrase; any change to the ciphertext or to the header (which is the AES-GCM associated data)
// is detected, and nothing is returned from a file that does not open cleanly.
// Does NOT protect: against a weak passphrase. Whoever holds the file can guess passphrases
// offline as fast as they can run PBKDF2-SHA-256; the iteration count (600 000 by default) is the
// only cost per guess. Nor does it hide the file's size, its creation time (`created`, in clear
// so the import screen can say which backup it is) or that it is a Floe backup.
//
// Format (JSON): {format:"floe-backup", v:1, kdf:{name:"PBKDF2", hash:"SHA-256", iterations,
// salt}, cipher:"AES-256-GCM", created, check, data}. PBKDF2 over the NFC-normalised passphrase
// gives a master secret; HKDF splits it into the AES key and `check`, so a wrong passphrase is told
// apart from a damaged file without decrypting. data = base64url(nonce ‖ AES-GCM(canonical JSON
// payload, aad = canonical JSON of every header field but data)).
// Limit: `check` depends on salt and iterations, so damage to exactly those header fields (or to
// `check` itself) reads as a wrong passphrase; every other damage reads as damaged.
import * as v from 'valibot';
import { buf, bytesEqual, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts';
import { canonicalBytes, canonicalJson } from './canonical.ts';
import { hkdf, open, seal } from './crypto.ts';
import { fail, ok, type Result } from './errors.ts';
import { secureRandom, type Random } from './ids.ts';

export const BACKUP_FORMAT = 'floe-backup';
export const BACKUP_VERSION = 1;
export const BACKUP_ITERATIONS = 600_000;
/** Below this a file is treated as damaged; above the maximum, opening it could hang the tab. */
export const MIN_BACKUP_ITERATIONS = 1_000;
export const MAX_BACKUP_ITERATIONS = 10_000_000;
export const MIN_PASSPHRASE = 8;

const SALT_BYTES = 16;
const NONCE_BYTES = 12;

const base64url = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9_-]*$/),
    v.check((s) => fromBase64Url(s) !== null),
    v.check((s) => s.length >= min && s.length <= max),
  );
const key32 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/), v.check((s) => fromBase64Url(s) !== null));
const time = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

const BackupPayloadSchema = v.object({
  v: v.literal(BACKUP_VERSION),
  identity: v.object({
    account: key32, // Ed25519 public key
    accountPrivateKey: base64url(43, 512), // PKCS#8
    accountX25519Public: key32,
    accountX25519Private: base64url(43, 512), // PKCS#8
    accountDocSecret: key32,
    created: time,
  }),
  /** Doc id (as stored locally: 'account', a room id…) → base64url Yjs state update. */
  docs: v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/)), base64url(0, Number.MAX_SAFE_INTEGER)),
  /** When the backup was made; also written in clear in the header. */
  created: time,
});
/** Everything needed to become this account on a new device. Device keys are not included: a
 *  restored browser is a new device and certifies its own key. */
export type BackupPayload = v.InferOutput<typeof BackupPayloadSchema>;

const HeaderSchema = v.strictObject({
  format: v.literal(BACKUP_FORMAT),
  v: v.literal(BACKUP_VERSION),
  kdf: v.strictObject({
    name: v.literal('PBKDF2'),
    hash: v.literal('SHA-256'),
    iterations: v.pipe(v.number(), v.safeInteger(), v.minValue(MIN_BACKUP_ITERATIONS), v.maxValue(MAX_BACKUP_ITERATIONS)),
    salt: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  }),
  cipher: v.literal('AES-256-GCM'),
  created: time,
  check: key32,
  data: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/)),
});
type Header = v.InferOutput<typeof HeaderSchema>;

export interface BackupInfo {
  created: number;
  iterations: number;
}

async function deriveKeys(passphrase: string, salt: Uint8Array, iterations: number) {
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', buf(utf8(passphrase.normalize('NFC'))), 'PBKDF2', false, ['deriveBits']);
  const master = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations }, base, 256));
  const [key, check] = await Promise.all([
    hkdf(master, salt, 'floe/v1/backup-key', 32),
    hkdf(master, salt, 'floe/v1/backup-check', 32),
  ]);
  return { key, check };
}

/** The associated data: every header field but `data`, as canonical JSON. */
const aadOf = (h: Omit<Header, 'data'>): Uint8Array =>
  canonicalBytes({ format: h.format, v: h.v, kdf: { ...h.kdf }, cipher: h.cipher, created: h.created, check: h.check });

/**
 * Seals the payload under the passphrase and returns the file's text. Refuses (as a value) an empty
 * or too short passphrase; throws only for programming errors (a payload failing the schema, an
 * iteration count out of range).
 */
export async function encryptBackup(
  payload: BackupPayload,
  passphrase: string,
  opts: { iterations?: number; random?: Random } = {},
): Promise<Result<string>> {
  if (passphrase.length === 0) return fail('input/empty', 'Enter a passphrase to protect your backup.');
  if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE) {
    return fail('input/too-short', `Use a passphrase of at least ${MIN_PASSPHRASE} characters.`, { min: MIN_PASSPHRASE });
  }
  const iterations = opts.iterations ?? BACKUP_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < MIN_BACKUP_ITERATIONS || iterations > MAX_BACKUP_ITERATIONS) {
    throw new RangeError(`backup iterations must be an integer in [${MIN_BACKUP_ITERATIONS}, ${MAX_BACKUP_ITERATIONS}]`);
  }
  const parsed = v.safeParse(BackupPayloadSchema, payload);
  if (!parsed.success) throw new TypeError(`invalid backup payload: ${v.summarize(parsed.issues)}`);
  const random = opts.random ?? secureRandom;
  const salt = random(SALT_BYTES);
  const { key, check } = await deriveKeys(passphrase, salt, iterations);
  const header = {
    format: BACKUP_FORMAT,
    v: BACKUP_VERSION,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64Url(salt) },
    cipher: 'AES-256-GCM',
    created: parsed.output.created,
    check: toBase64Url(check),
  } as const;
  const box = await seal(key, canonicalBytes(parsed.output), aadOf(header), random(NONCE_BYTES));
  return ok(canonicalJson({ ...header, data: toBase64Url(box) }));
}

const damaged = <T>(why = 'This backup file is damaged or incomplete. Nothing was restored.') =>
  fail<T>('backup/damaged', why);

/** Reads the clear header without the passphrase (to show which backup a file is). */
export function inspectBackup(text: string): Result<BackupInfo> {
  const header = parseHeader(text);
  return header.ok ? ok({ created: header.value.created, iterations: header.value.kdf.iterations }) : header;
}

function parseHeader(text: string): Result<Header> {
  if (text.trim().length === 0) return damaged('This backup file is empty. Nothing was restored.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return damaged();
  }
  if (typeof json !== 'object' || json === null || !('format' in json) || json.format !== BACKUP_FORMAT) {
    return damaged('This is not a Floe backup file.');
  }
  if ('v' in json && typeof json.v === 'number' && json.v > BACKUP_VERSION) {
    return fail('backup/unsupported-version', 'This backup was made by a newer version of Floe. Update Floe and try again.');
  }
  const parsed = v.safeParse(HeaderSchema, json);
  return parsed.success ? ok(parsed.output) : damaged();
}

/** Opens a backup file. Every failure is a value; nothing is returned unless all of it checks out. */
export async function decryptBackup(text: string, passphrase: string): Promise<Result<BackupPayload>> {
  const header = parseHeader(text);
  if (!header.ok) return header;
  const { kdf, check, data, created } = header.value;
  const salt = fromBase64Url(kdf.salt);
  const expected = fromBase64Url(check);
  const box = fromBase64Url(data);
  if (!salt || !expected || !box || box.length < NONCE_BYTES + 16) return damaged();
  if (passphrase.length === 0) return fail('input/empty', 'Enter the passphrase of this backup.');
  const keys = await deriveKeys(passphrase, salt, kdf.iterations);
  if (!bytesEqual(keys.check, expected)) {
    return fail('backup/wrong-passphrase', 'This passphrase does not open this backup. Check it and try again.');
  }
  const plain = await open(keys.key, box, aadOf(header.value));
  if (!plain) return damaged();
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plain));
  } catch {
    return damaged();
  }
  const payload = v.safeParse(BackupPayloadSchema, json);
  if (!payload.success || payload.output.created !== created) return damaged();
  return ok(payload.output);
}
