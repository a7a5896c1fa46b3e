// Everything about a replicated document is derived from its 32-byte secret with HKDF, each
// purpose under its own label, so that learning one value tells nothing about the others:
// the relay sees only the room id and the capability hash, peers on the signaling server only
// the room id, and nobody without the secret can read sealed updates.
import { toBase64Url, toHex, utf8 } from './bytes.ts';
import { hkdf, sha256 } from './crypto.ts';
import type { RoomId } from './ids.ts';

export const DOC_SECRET_BYTES = 32;
const SALT = utf8('floe/v1');

export const LABELS = {
  room: 'floe/v1/room-id',
  webrtcPassword: 'floe/v1/webrtc-password',
  sealKey: 'floe/v1/seal-key',
  capability: 'floe/v1/relay-capability',
} as const;

export interface DocKeys {
  roomId: RoomId;
  /** y-webrtc encrypts its signaling with a key derived from this password. */
  webrtcPassword: string;
  /** AES-256-GCM key for updates kept on the relay. */
  sealKey: Uint8Array;
  /** Shown to the relay to read or append; the relay stores only its SHA-256. */
  capability: string;
}

export async function deriveDocKeys(secret: Uint8Array): Promise<DocKeys> {
  if (secret.length !== DOC_SECRET_BYTES) throw new RangeError(`a document secret is ${DOC_SECRET_BYTES} bytes`);
  const [room, password, sealKey, capability] = await Promise.all([
    hkdf(secret, SALT, LABELS.room, 16),
    hkdf(secret, SALT, LABELS.webrtcPassword, 32),
    hkdf(secret, SALT, LABELS.sealKey, 32),
    hkdf(secret, SALT, LABELS.capability, 32),
  ]);
  return {
    roomId: toHex(room) as RoomId,
    webrtcPassword: toBase64Url(password),
    sealKey,
    capability: toBase64Url(capability),
  };
}

export async function capabilityHash(capability: string): Promise<string> {
  return toHex(await sha256(utf8(capability)));
}
