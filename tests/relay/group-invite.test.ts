// Group invites against a real relay process: the offer behind a link is found and opened by the
// joiner, the relay's files and logs never hold the group secret, the link's key or the join token,
// and reading a room once settles (entries, a refusal, or a timeout) instead of hanging.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { toBase64Url, toHex, utf8 } from '../../src/core/bytes.ts';
import { generateSigningKeyPair, seal } from '../../src/core/crypto.ts';
import { deriveDocKeys } from '../../src/core/derive.ts';
import { createGroupInvite, groupInviteKeys, openOffers, parseGroupInvite, sealOffer } from '../../src/core/group-invite.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { fetchDoc, fetchRoom } from '../../src/net/fetch-room.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';

let relay: RelayProcess;
const clients: MailboxClient[] = [];
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  for (const c of clients) c.stop();
  await relay?.stop();
});

async function connect(url = relay.signalUrl.replace('/signal', '/v1')): Promise<MailboxClient> {
  const c = new MailboxClient({ url, makeSocket: (u) => new WebSocket(u) as unknown as SocketLike, maxDelay: 200 });
  clients.push(c);
  c.start();
  const deadline = Date.now() + 10_000;
  while (!c.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return c;
}

describe('group invites through the relay', () => {
  it('the joiner finds and opens the offer; the relay never holds the secret, the key or the token', async () => {
    const admin = await generateSigningKeyPair();
    const me = { account: toBase64Url(admin.publicKey) as AccountId, accountPrivateKey: admin.privateKey, name: 'Alice' };
    const { link, keys } = await createGroupInvite(me, { gid: 'ab'.repeat(16), name: 'Hikers' }, Date.now());
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const own = await startRelay(); // stopped below to read its files
    const url = own.signalUrl.replace('/signal', '/v1');
    const inviter = await connect(url);
    await inviter.push(keys.room, keys.cap, await sealOffer(keys, { v: 1, gid: 'ab'.repeat(16), secret: toBase64Url(secret), epoch: 2, room: 'cd'.repeat(16) }), MailboxClient.newPushId());

    const joiner = await connect(url);
    const parsed = await parseGroupInvite(link, { now: Date.now() });
    if (!parsed.ok) throw parsed.error;
    const theirs = await groupInviteKeys(parsed.value);
    const bodies = await fetchRoom(joiner, theirs.room, theirs.cap);
    if (!Array.isArray(bodies)) throw new Error(`fetch failed: ${bodies}`);
    const offer = await openOffers(theirs, parsed.value, bodies);
    expect(offer.ok && offer.value.secret).toBe(toBase64Url(secret));
    expect(offer.ok && offer.value.epoch).toBe(2);

    await own.stop(); // checkpoint the WAL into the main file as well
    const files = readdirSync(own.dataDir).map((f) => readFileSync(join(own.dataDir, f)));
    expect(files.length).toBeGreaterThan(0);
    const needles = [toBase64Url(secret), toHex(secret), parsed.value.k, keys.token, keys.cap, toBase64Url(keys.sealKey)];
    for (const hay of [...files, Buffer.from(own.logs())]) {
      for (const needle of needles) expect(hay.includes(Buffer.from(needle)), `found ${needle.slice(0, 10)}…`).toBe(false);
    }
  });

  it('reads a group doc once into a throwaway copy, skipping entries that do not open', async () => {
    const keys = await deriveDocKeys(crypto.getRandomValues(new Uint8Array(32)));
    const writer = await connect();
    const source = new Y.Doc();
    source.getArray<string>('group').push(['create']);
    const sealed = await seal(keys.sealKey, Y.encodeStateAsUpdate(source), utf8(keys.roomId));
    await writer.push(keys.roomId, keys.capability, sealed, MailboxClient.newPushId());
    await writer.push(keys.roomId, keys.capability, utf8('not sealed at all'), MailboxClient.newPushId());
    const doc = await fetchDoc(await connect(), keys);
    if (typeof doc === 'string') throw new Error(doc);
    expect(doc.getArray('group').toArray()).toEqual(['create']);
  });

  it('settles with "refused" for a wrong capability and "timeout" when the relay cannot be reached', async () => {
    const keys = await deriveDocKeys(crypto.getRandomValues(new Uint8Array(32)));
    const owner = await connect();
    await owner.push(keys.roomId, keys.capability, utf8('x'), MailboxClient.newPushId()); // registers the capability
    expect(await fetchRoom(await connect(), keys.roomId, toBase64Url(new Uint8Array(32)))).toBe('refused');

    const nowhere = new MailboxClient({ url: 'ws://127.0.0.1:9/v1', makeSocket: (u) => new WebSocket(u) as unknown as SocketLike, maxDelay: 200 });
    clients.push(nowhere);
    nowhere.start();
    expect(await fetchRoom(nowhere, keys.roomId, keys.capability, 500)).toBe('timeout');
  });
});
