// Branded ids so that an account id can never be passed where a room id is expected.
import { toBase64Url } from './bytes.ts';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** base64url of the account's Ed25519 public key (32 bytes → 43 chars). */
export type AccountId = Brand<string, 'AccountId'>;
/** base64url of the device's Ed25519 public key. */
export type DeviceId = Brand<string, 'DeviceId'>;
/** The only name the relay sees for a document: hex of an HKDF output, random-looking. */
export type RoomId = Brand<string, 'RoomId'>;
/** Client-generated, 16 random bytes in base64url. */
export type MessageId = Brand<string, 'MessageId'>;
export type InviteId = Brand<string, 'InviteId'>;

export type Random = (length: number) => Uint8Array;
export const secureRandom: Random = (length) => crypto.getRandomValues(new Uint8Array(length));

export const newMessageId = (random: Random = secureRandom): MessageId => toBase64Url(random(16)) as MessageId;
export const newInviteId = (random: Random = secureRandom): InviteId => toBase64Url(random(16)) as InviteId;

const KEY_ID = /^[A-Za-z0-9_-]{43}$/;
export const isKeyId = (text: unknown): text is string => typeof text === 'string' && KEY_ID.test(text);
