// Issue 4's figure: time from "Approve" to the new device showing all conversations, for an
// account with 100 conversations and 10,000 messages, over the relay on loopback.
//
// Setup (not measured): a Node "device 1" of Alice — real keys, a real device certificate, the
// real AccountDoc and ConversationDoc, 10,000 really signed messages — replicated through the
// real Replicator into a real relay process, one message per update, as the app writes them.
// Measured: a fresh Chromium with the real app enters the link code; device 1 answers the request
// (the moment a person presses Approve); the clock stops when the Conversations list shows all
// 100 conversations, each with its newest message as preview, which needs its doc fully synced.
import WebSocket from 'ws';
import * as Y from 'yjs';
import { AccountDoc } from '../src/core/account-doc.ts';
import { toBase64Url } from '../src/core/bytes.ts';
import { ConversationDoc } from '../src/core/conversation-doc.ts';
import { generateAgreementKeyPair, generateSigningKeyPair } from '../src/core/crypto.ts';
import { deriveDocKeys, type DocKeys } from '../src/core/derive.ts';
import { encodeHlc } from '../src/core/hlc.ts';
import { newMessageId, secureRandom, type AccountId, type DeviceId, type RoomId } from '../src/core/ids.ts';
import { encodeLinkCode, linkKeys, makeAnswer, openEntry, sealEntry, type LinkRequest } from '../src/core/link.ts';
import { certifyDevice, signMessage } from '../src/core/message.ts';
import type { CursorState, Cursors, Outbox, OutboxRow } from '../src/core/replication.ts';
import { MailboxClient, type SocketLike } from '../src/net/mailbox.ts';
import { Replicator } from '../src/net/replicator.ts';
import { openBrowser } from '../tests/support/browser.ts';
import { startRelay } from '../tests/support/relay-process.ts';
import type { BenchResult } from './lib/report.ts';
import { fmt, sleep, withTimeout } from './lib/stats.ts';

const CONVERSATIONS = 100;
const PER_CONVERSATION = 100;
const TARGET_S = 10;

class MemoryOutbox implements Outbox {
  readonly rows = new Map<string, OutboxRow>();
  async add(row: OutboxRow) {
    this.rows.set(row.pushId, row);
  }
  async remove(pushId: string) {
    this.rows.delete(pushId);
  }
  async list(room: string) {
    return [...this.rows.values()].filter((r) => r.room === room);
  }
}
class MemoryCursors implements Cursors {
  private readonly map = new Map<string, CursorState>();
  async get(room: string) {
    return this.map.get(room) ?? { seq: 0, snapshot: 0 };
  }
  async set(room: string, s: CursorState) {
    this.map.set(room, s);
  }
}

export async function benchLinking(log: (line: string) => void): Promise<BenchResult> {
  const relay = await startRelay();
  const v1 = relay.signalUrl.replace('/signal', '/v1');
  const mailbox = new MailboxClient({ url: v1, makeSocket: (u) => new WebSocket(u) as unknown as SocketLike });
  mailbox.start();
  const outbox = new MemoryOutbox();
  const cursors = new MemoryCursors();
  const replicate = (doc: Y.Doc, keys: DocKeys) =>
    Replicator.start({ doc, keys, mailbox, outbox, cursors, persisted: async () => undefined, now: Date.now, report: (p) => log(`setup problem: ${p}`) });
  try {
    // Device 1 of Alice, in Node.
    const [account, agreement, device, deviceX] = await Promise.all([generateSigningKeyPair(), generateAgreementKeyPair(), generateSigningKeyPair(), generateAgreementKeyPair()]);
    const me = toBase64Url(account.publicKey) as AccountId;
    const dev = toBase64Url(device.publicKey) as DeviceId;
    const cert = await certifyDevice(account.privateKey, { account: me, device: dev, x: toBase64Url(deviceX.publicKey), name: 'Node device', created: Date.now() });
    const accountSecret = secureRandom(32);
    const accountDoc = new Y.Doc();
    const accountRep = await replicate(accountDoc, await deriveDocKeys(accountSecret));
    const acc = new AccountDoc(accountDoc, (c) => accountRep.local(c), dev);
    acc.setProfile({ name: 'Alice', created: Date.now() });
    acc.upsertDevice({ device: dev, name: 'Node device', platform: 'Node', created: Date.now(), lastSeen: Date.now(), certificate: cert });

    log(`setup: ${CONVERSATIONS} conversations × ${PER_CONVERSATION} signed messages into the relay`);
    const wall = Date.now() - 3600_000;
    for (let c = 0; c < CONVERSATIONS; c++) {
      const secret = secureRandom(32);
      const keys = await deriveDocKeys(secret);
      const doc = new Y.Doc();
      const rep = await replicate(doc, keys);
      const conv = new ConversationDoc(doc);
      rep.local(() => conv.join({ account: me, name: 'Alice', joined: wall }, cert));
      for (let i = 0; i < PER_CONVERSATION; i++) {
        const m = await signMessage(device.privateKey, {
          v: 1,
          id: newMessageId(),
          author: me,
          device: dev,
          hlc: encodeHlc({ wall: wall + c * 1000 + i, counter: 0, node: dev.slice(0, 12) }),
          kind: 'text',
          text: `message ${i} in conversation ${c}`,
        });
        rep.local(() => conv.append(m), [m.id]);
      }
      const peer = toBase64Url(secureRandom(32)) as AccountId;
      const room = keys.roomId as RoomId;
      acc.addContact({ account: peer, name: `Friend ${c}`, conversation: room, added: wall }, { room, kind: 'direct', secret: toBase64Url(secret), peer, created: wall });
    }
    await withTimeout('setup acknowledged', 300_000, (async () => {
      while (outbox.rows.size > 0) await sleep(100);
    })());

    // The new device: a fresh browser with the real app.
    const browser = await openBrowser({ origin: relay.url });
    try {
      await browser.page.goto(relay.url);
      const code = crypto.getRandomValues(new Uint8Array(10));
      const keys = await linkKeys(code);
      await mailbox.push(keys.room, keys.cap, await sealEntry(keys, { t: 'offer', exp: Date.now() + 600_000, name: 'Alice' }), MailboxClient.newPushId());
      const request = new Promise<LinkRequest>((resolve) =>
        mailbox.open(keys.room, keys.cap, {
          cursor: () => 0,
          entry: async (_s, _k, body) => {
            const e = await openEntry(keys, body);
            if (e?.t === 'request') resolve(e);
          },
          synced: async () => undefined,
        }),
      );
      await browser.page.getByRole('button', { name: 'I already have an account' }).click();
      await browser.page.getByRole('textbox', { name: 'Link code' }).fill(encodeLinkCode(code));
      await browser.page.getByRole('button', { name: 'Link', exact: true }).click();
      const req = await withTimeout('link request', 30_000, request);
      const grantCert = await certifyDevice(account.privateKey, { account: me, device: req.device as DeviceId, x: req.x, name: req.name, created: Date.now() });
      const answer = await makeAnswer(keys, req, {
        v: 1,
        account: me,
        accountPrivateKey: toBase64Url(account.privateKey),
        accountX25519Public: toBase64Url(agreement.publicKey),
        accountX25519Private: toBase64Url(agreement.privateKey),
        accountDocSecret: toBase64Url(accountSecret),
        certificate: grantCert,
        created: Date.now(),
      });
      // "Approve": from here the clock runs, in the page's own time base.
      const approvedAt = await browser.page.evaluate(() => performance.timeOrigin + performance.now());
      await mailbox.push(keys.room, keys.cap, await sealEntry(keys, answer), MailboxClient.newPushId());
      // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
      const waitAll = `new Promise((resolve) => {
        const tick = () => {
          const list = document.querySelector('[aria-label="Conversations"]');
          const previews = list ? Array.from(list.querySelectorAll('.preview'), (p) => p.textContent || '') : [];
          if (previews.length === ${CONVERSATIONS} && previews.every((p) => p.includes('message ${PER_CONVERSATION - 1} in'))) resolve(performance.timeOrigin + performance.now());
          else requestAnimationFrame(tick);
        };
        tick();
      })`;
      const doneAt = await withTimeout('all conversations visible', 120_000, browser.page.evaluate(waitAll) as Promise<number>);
      const seconds = (doneAt - approvedAt) / 1000;
      log(`linking: ${fmt(seconds, ' s', 2)} from Approve to ${CONVERSATIONS} conversations with their newest message`);
      return {
        title: '5. Linking a device: Approve → all conversations visible',
        rows: [
          {
            figure: `Approve → ${CONVERSATIONS} conversations (${CONVERSATIONS * PER_CONVERSATION} messages) listed with their newest message`,
            value: fmt(seconds, ' s', 2),
            baseline: `${fmt((CONVERSATIONS * PER_CONVERSATION) / seconds, ' messages/s', 0)} applied and verified`,
            target: `≤ ${TARGET_S} s`,
            met: seconds <= TARGET_S,
          },
        ],
        notes: [
          'Device 1 is a Node process using the app\'s own core, replicator and mailbox client; the new device is Chromium running the built app with real IndexedDB.',
          'Every message is a separate Ed25519-signed update in the relay mailbox, as the app writes them; the new device verifies each signature before showing it.',
          'Stops when the Conversations list shows every conversation with its newest message as preview (which needs that conversation fully synced and verified).',
        ],
      };
    } finally {
      await browser.close();
    }
  } finally {
    mailbox.stop();
    await relay.stop();
  }
}
