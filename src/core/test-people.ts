// Test helper (imported by *.test.ts only): people with real account and device keys, their
// device certificates, and conversation docs joined by them — the real objects, no mocks.
import * as Y from 'yjs';
import { toBase64Url } from './bytes.ts';
import { ConversationDoc } from './conversation-doc.ts';
import { generateSigningKeyPair } from './crypto.ts';
import { encodeHlc } from './hlc.ts';
import type { AccountId, DeviceId, MessageId } from './ids.ts';
import { certifyDevice, signMessage, type DeviceCertificate, type MessageDraft, type SignedMessage } from './message.ts';

export interface Person {
  name: string;
  account: AccountId;
  accountKey: Uint8Array;
  device: DeviceId;
  deviceKey: Uint8Array;
  cert: DeviceCertificate;
}

export async function person(name: string): Promise<Person> {
  const account = await generateSigningKeyPair();
  const device = await generateSigningKeyPair();
  const accountId = toBase64Url(account.publicKey) as AccountId;
  const deviceId = toBase64Url(device.publicKey) as DeviceId;
  const cert = await certifyDevice(account.privateKey, { account: accountId, device: deviceId, x: toBase64Url(device.publicKey), name, created: 1 });
  return { name, account: accountId, accountKey: account.privateKey, device: deviceId, deviceKey: device.privateKey, cert };
}

export const T0 = 1_790_000_000_000;
export const hlcAt = (wall: number, node = 'n1') => encodeHlc({ wall, counter: 0, node });
let ids = 0;
export const messageId = (): MessageId => toBase64Url(new Uint8Array(16).fill(++ids % 256)) as MessageId;

export function draftBy(p: Person, fields: Partial<MessageDraft> = {}): MessageDraft {
  return { v: 1, id: messageId(), author: p.account, device: p.device, hlc: hlcAt(T0), kind: 'text', text: 'hello', ...fields };
}

export const say = (p: Person, fields: Partial<MessageDraft> = {}): Promise<SignedMessage> => signMessage(p.deviceKey, draftBy(p, fields));

/** A conversation doc the people have joined (member entry and device certificate each). */
export function conversationOf(...people: Person[]): ConversationDoc {
  const conv = new ConversationDoc(new Y.Doc());
  for (const p of people) conv.join({ account: p.account, name: p.name, joined: 1 }, p.cert);
  return conv;
}

/** Copies everything `from` has into `to`, as a sync would. */
export const sync = (from: ConversationDoc, to: ConversationDoc) => Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc)));
