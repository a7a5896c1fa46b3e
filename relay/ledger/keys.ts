// The relay's two ledger keys, kept as files in the data directory:
// - the ledger key (ledger-key.json) signs checkpoints and receipts: it is the log's identity,
//   which clients pin;
// - the operator key (operator-key.json) is the account that may mint. It is a separate key so
//   that it can later move off the relay machine without changing the log's identity.
//
// Invariants:
// - Created on first use (the relay's first start, or the first `mint`), atomically: written to
//   a temporary file with mode 0600, fsynced, then hard-linked into place, so two processes
//   starting at once agree on one key and nobody ever reads half a key.
// - A key file readable by group or others is refused, as ssh does: the operator must fix it.
// - Private keys are never logged or printed; only the public ids are.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../../src/core/bytes.ts';
import type { AccountId } from '../../src/core/ids.ts';

export const LEDGER_KEY_FILE = 'ledger-key.json';
export const OPERATOR_KEY_FILE = 'operator-key.json';

export interface KeyPair {
  /** base64url of the raw Ed25519 public key. */
  id: AccountId;
  /** PKCS#8, for WebCrypto (src/core signs with it). */
  privateKey: Uint8Array;
  /** Synchronous Ed25519 signature (node:crypto), for signing inside a transaction. */
  signSync(message: Uint8Array): Uint8Array;
}

export interface LedgerKeys {
  ledger: KeyPair;
  operator: KeyPair;
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A node:crypto public key for a raw Ed25519 key. */
export const publicKeyObject = (raw: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });

function pairFrom(pkcs8: Uint8Array): KeyPair {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
  const raw = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
  return {
    id: toBase64Url(raw) as AccountId,
    privateKey: pkcs8,
    signSync: (message) => new Uint8Array(sign(null, message, key)),
  };
}

interface KeyFile {
  v: 1;
  type: string;
  publicKey: string;
  privateKey: string;
}

/** Throws (ENOENT if missing) unless `path` is a file only its owner can read, as ssh insists. */
export function assertPrivateFile(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  }
}

function readKey(path: string, type: string): KeyPair {
  assertPrivateFile(path);
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch {
    throw new Error(`${path} is not a key file`);
  }
  const pkcs8 = typeof file.privateKey === 'string' ? fromBase64Url(file.privateKey) : null;
  if (file.v !== 1 || file.type !== type || !pkcs8) throw new Error(`${path} is not a ${type} file`);
  let pair: KeyPair;
  try {
    pair = pairFrom(pkcs8);
  } catch {
    throw new Error(`${path} does not hold an Ed25519 private key`);
  }
  if (pair.id !== file.publicKey) throw new Error(`${path}: the public key does not match the private key`);
  return pair;
}

/** A fresh key pair kept in memory only (tests, benchmarks). */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return pairFrom(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
}

function createKey(dir: string, path: string, type: string): void {
  const pair = generateKeyPair();
  const pkcs8 = pair.privateKey;
  const body: KeyFile = { v: 1, type, publicKey: pair.id, privateKey: toBase64Url(pkcs8) };
  writeSecretFileOnce(dir, path, `${JSON.stringify(body)}\n`);
}

/**
 * Writes `text` to `path` (mode 0600) unless it already exists: through a temporary file, fsynced
 * and hard-linked into place, so concurrent creators agree on one file and none is read half-written.
 */
export function writeSecretFileOnce(dir: string, path: string, text: string): void {
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (err) {
    // Another process created it first: theirs wins, ours was never used.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

function loadOrCreate(dir: string, name: string, type: string): KeyPair {
  const path = join(dir, name);
  try {
    return readKey(path, type);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  createKey(dir, path, type);
  return readKey(path, type);
}

/** Loads both keys from `dataDir`; throws (code ENOENT) if either is missing. Creates nothing. */
export function readLedgerKeys(dataDir: string): LedgerKeys {
  return {
    ledger: readKey(join(dataDir, LEDGER_KEY_FILE), 'floe-ledger-key'),
    operator: readKey(join(dataDir, OPERATOR_KEY_FILE), 'floe-operator-key'),
  };
}

/** Loads both keys from `dataDir` (which must exist), creating whichever is missing. */
export function loadLedgerKeys(dataDir: string): LedgerKeys {
  return {
    ledger: loadOrCreate(dataDir, LEDGER_KEY_FILE, 'floe-ledger-key'),
    operator: loadOrCreate(dataDir, OPERATOR_KEY_FILE, 'floe-operator-key'),
  };
}
