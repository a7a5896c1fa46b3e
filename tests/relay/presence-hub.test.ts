// PresenceHub (src/app/presence.svelte.ts) end to end without a browser: two people's hubs, real
// account docs (Y.Docs), the app's MailboxClient and a real relay process. A third, raw
// connection to the same room counts what is actually sent, to prove Invisible sends nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { PresenceHub } from '../../src/app/presence.svelte.ts';
import { AccountDoc } from '../../src/core/account-doc.ts';
import { deriveDocKeys, type DocKeys } from '../../src/core/derive.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { AUTO_AWAY_MS } from '../../src/core/presence.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { V1Client } from './v1-client.ts';

let relay: RelayProcess;
let v1: string;
beforeAll(async () => {
  relay = await startRelay();
  v1 = relay.signalUrl.replace('/signal', '/v1');
});
afterAll(async () => {
  await relay?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, probe: () => T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(25);
  }
}

interface Person {
  account: AccountId;
  hub: PresenceHub;
  mailbox: MailboxClient;
  clock: { offset: number };
}

async function person(tag: string, keys: DocKeys): Promise<Person> {
  const account = tag.padEnd(43, 'A') as AccountId;
  const mailbox = new MailboxClient({ url: v1, makeSocket: (url) => new WebSocket(url) as unknown as SocketLike });
  mailbox.start();
  await new Promise<void>((resolve) =>
    mailbox.open(keys.roomId, keys.capability, { cursor: () => 0, entry: async () => undefined, synced: async () => resolve() }),
  );
  const clock = { offset: 0 };
  const hub = new PresenceHub({ me: account, account: new AccountDoc(new Y.Doc()), mailbox, now: () => Date.now() + clock.offset, idleCheckMs: 100 });
  hub.attach(keys.roomId, keys);
  return { account, hub, mailbox, clock };
}

describe('PresenceHub through the relay', () => {
  it('shows status, message, typing, auto-away; Invisible sends nothing and looks Offline', async () => {
    const keys = await deriveDocKeys(new Uint8Array(randomBytes(32)));
    // Register the room's capability the way the app does (its first push).
    const setup = await V1Client.connect(v1);
    await setup.push(keys.roomId, keys.capability, randomBytes(12).toString('base64url'), Uint8Array.of(1));
    const alice = await person('alice', keys);
    const bob = await person('bob', keys);
    const room = keys.roomId;
    // Bob learns Alice is online from her first beacon (or her answer to his).
    await eventually('Alice online', () => bob.hub.statusOf(alice.account).status, (s) => s === 'online');

    alice.hub.setStatus('busy');
    alice.hub.setMessage('  in a meeting  ');
    await eventually('Alice busy with message', () => bob.hub.statusOf(alice.account), (p) => p.status === 'busy' && p.message === 'in a meeting');

    alice.hub.keystroke(room);
    await eventually('typing', () => bob.hub.typingIn(room, [alice.account]), (t) => t.length === 1);
    alice.hub.sent(room);
    await eventually('typing cleared', () => bob.hub.typingIn(room, [alice.account]), (t) => t.length === 0);

    // Auto-away: five minutes without input (Alice's clock jumps), then back on activity.
    alice.hub.setStatus('online');
    alice.clock.offset = AUTO_AWAY_MS;
    await eventually('auto away', () => bob.hub.statusOf(alice.account).status, (s) => s === 'away');
    expect(alice.hub.own).toBe('away');
    expect(alice.hub.chosen).toBe('online');
    alice.hub.activity();
    await eventually('back online', () => bob.hub.statusOf(alice.account).status, (s) => s === 'online');

    // Invisible: one goodbye, then silence, whatever Alice does.
    const watcher = await V1Client.connect(v1);
    await watcher.open(room, keys.capability);
    alice.hub.setStatus('invisible');
    await eventually('Alice offline', () => bob.hub.statusOf(alice.account).status, (s) => s === 'offline');
    await sleep(300);
    const before = watcher.frames.filter((f) => f.header.t === 'ephemeral').length;
    alice.hub.keystroke(room);
    alice.hub.setMessage('secret');
    alice.hub.activity();
    bob.hub.setStatus('away'); // Bob's beacon would normally prompt an answer from a newcomer
    await eventually('Bob away', () => alice.hub.statusOf(bob.account).status, (s) => s === 'away');
    await sleep(500);
    const fromAlice = watcher.frames.filter((f) => f.header.t === 'ephemeral').length - before;
    expect(fromAlice).toBe(1); // Bob's one beacon; nothing from Alice
    expect(bob.hub.typingIn(room, [alice.account])).toEqual([]);
    expect(bob.hub.statusOf(alice.account).status).toBe('offline');

    for (const p of [alice, bob]) {
      p.hub.close();
      p.mailbox.stop();
    }
    watcher.close();
    setup.close();
  });
});
