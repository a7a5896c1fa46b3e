// The relay's VAPID key (RFC 8292): the P-256 key that signs the JWT in every push request, so a
// push service accepts pushes for a subscription only from the relay the browser subscribed with
// (its public key is the `applicationServerKey`).
//
// Invariants: created on first start in DATA/vapid-key.json, mode 0600, written atomically like
// the ledger keys (ledger/keys.ts); a file readable by others is refused; the private key is never
// logged or sent anywhere, only the public key is handed out (`push-key`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { fromBase64Url } from '../../src/core/bytes.ts';
import { assertPrivateFile, writeSecretFileOnce } from '../ledger/keys.ts';

export const VAPID_KEY_FILE = 'vapid-key.json';

export interface VapidKeys {
  /** base64url, uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** base64url, 32 bytes. */
  privateKey: string;
}

function readVapid(path: string): VapidKeys {
  assertPrivateFile(path);
  let file: { v?: unknown; type?: unknown; publicKey?: unknown; privateKey?: unknown };
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as typeof file;
  } catch {
    throw new Error(`${path} is not a key file`);
  }
  const { publicKey, privateKey } = file;
  if (file.v !== 1 || file.type !== 'floe-vapid-key' || typeof publicKey !== 'string' || typeof privateKey !== 'string') {
    throw new Error(`${path} is not a VAPID key file`);
  }
  if (fromBase64Url(publicKey)?.length !== 65 || fromBase64Url(privateKey)?.length !== 32) throw new Error(`${path} holds a malformed VAPID key`);
  return { publicKey, privateKey };
}

/** Loads the VAPID key from `dataDir` (which must exist), creating it on first use. */
export function loadVapidKeys(dataDir: string): VapidKeys {
  const path = join(dataDir, VAPID_KEY_FILE);
  try {
    return readVapid(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const keys = webpush.generateVAPIDKeys();
  writeSecretFileOnce(dataDir, path, `${JSON.stringify({ v: 1, type: 'floe-vapid-key', ...keys })}\n`);
  return readVapid(path);
}
