// A malicious member's client, for e2e tests: reads its own conversation doc and keys straight
// from the browser's IndexedDB, builds forged but really signed messages with Yjs and the app's
// own core modules, and stores the update the way the app stores a local edit (doc log + outbox
// row), so that after a reload the real app pushes it, sealed, to the relay like any other edit.
// Nothing in the app is mocked or hooked: the peer receives a genuine Yjs update from the relay.
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { toBase64Url } from '../../src/core/bytes.ts';
import { ConversationDoc } from '../../src/core/conversation-doc.ts';
import { generateSigningKeyPair } from '../../src/core/crypto.ts';
import { newMessageId, type AccountId, type DeviceId } from '../../src/core/ids.ts';
import { certifyDevice, signMessage, type MessageDraft, type SignedMessage } from '../../src/core/message.ts';

export interface ForgerState {
  doc: ConversationDoc;
  account: AccountId;
  device: DeviceId;
  deviceKey: Uint8Array;
}

/** The conversation doc (local id `room`) and this device's keys, as stored by the app. */
export async function readOwnConversation(page: Page, room: string): Promise<ForgerState> {
  const raw = await page.evaluate(async (room) => {
    const done = <T>(r: IDBRequest<T>) => new Promise<T>((ok, no) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => no(r.error))));
    const db = await done(indexedDB.open('floe'));
    const tx = db.transaction(['updates', 'identity'], 'readonly');
    const rows = (await done(tx.objectStore('updates').index('doc').getAll(room))) as { data: Uint8Array }[];
    const me = (await done(tx.objectStore('identity').get('self'))) as { account: string; device: string; devicePrivateKey: Uint8Array };
    db.close();
    return { updates: rows.map((r) => Array.from(r.data)), account: me.account, device: me.device, deviceKey: Array.from(me.devicePrivateKey) };
  }, room);
  const doc = new Y.Doc();
  for (const u of raw.updates) Y.applyUpdate(doc, new Uint8Array(u));
  return { doc: new ConversationDoc(doc), account: raw.account as AccountId, device: raw.device as DeviceId, deviceKey: new Uint8Array(raw.deviceKey) };
}

/** Runs `edit` on a copy of the doc under a fresh Yjs client and returns just that edit's update. */
export function forgeUpdate(state: ForgerState, edit: (doc: ConversationDoc) => void): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(state.doc.doc));
  const before = Y.encodeStateVector(copy);
  edit(new ConversationDoc(copy));
  return Y.encodeStateAsUpdate(copy, before);
}

/** Stores `update` as the app stores a local edit: in the doc's log and the relay outbox. */
export async function storeAsLocalEdit(page: Page, room: string, update: Uint8Array): Promise<void> {
  await page.evaluate(
    async ({ room, data, pushId, now }) => {
      const done = <T>(r: IDBRequest<T>) => new Promise<T>((ok, no) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => no(r.error))));
      const db = await done(indexedDB.open('floe'));
      const tx = db.transaction(['updates', 'outbox'], 'readwrite');
      const bytes = new Uint8Array(data);
      tx.objectStore('updates').add({ doc: room, data: bytes });
      tx.objectStore('outbox').add({ pushId, room, data: bytes, tags: [], created: now });
      await new Promise<void>((ok, no) => ((tx.oncomplete = () => ok()), (tx.onerror = () => no(tx.error))));
      db.close();
    },
    { room, data: Array.from(update), pushId: toBase64Url(crypto.getRandomValues(new Uint8Array(16))), now: Date.now() },
  );
}

/**
 * Four forgeries made on this member's page. Three claim this account wrote them without its
 * keys (as a peer that can write into the doc could): 1. its device id, signed with a stranger's
 * key; 2. a fresh device whose certificate names this account but is signed by another key;
 * 4. one of its genuine messages (`genuine`), id and signature copied onto other text, placed
 * first. And 3. this member, with its own certified device, claims `other` (another member) wrote it.
 */
export async function forgeries(state: ForgerState, other: AccountId, genuine: SignedMessage, texts: [string, string, string, string]): Promise<Uint8Array> {
  const stamp = genuine.hlc.replace(/:[^:]+$/, ':forged');
  const draft = (author: AccountId, device: DeviceId, text: string): MessageDraft => ({ v: 1, id: newMessageId(), author, device, hlc: stamp, kind: 'text', text });
  const stranger = await generateSigningKeyPair();
  const fakeAccount = await generateSigningKeyPair();
  const fakeDevice = await generateSigningKeyPair();
  const fakeDeviceId = toBase64Url(fakeDevice.publicKey) as DeviceId;
  const fakeCert = await certifyDevice(fakeAccount.privateKey, { account: state.account, device: fakeDeviceId, x: fakeDeviceId, name: 'phone', created: 1 });
  const m1 = await signMessage(stranger.privateKey, draft(state.account, state.device, texts[0]));
  const m2 = await signMessage(fakeDevice.privateKey, draft(state.account, fakeDeviceId, texts[1]));
  const m3 = await signMessage(state.deviceKey, draft(other, state.device, texts[2]));
  const m4 = { ...genuine, text: texts[3] };
  return forgeUpdate(state, (doc) => {
    doc.devices.set(fakeDeviceId, fakeCert);
    doc.messages.insert(0, [m4]);
    doc.messages.push([m1, m2, m3]);
  });
}
