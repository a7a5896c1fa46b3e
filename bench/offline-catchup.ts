// Benchmark 4: a device that was offline while 10,000 messages arrived in 50 conversations comes
// back and catches up from the relay over loopback (issue target: ≤ 5 s).
//
// Setup: a real relay process; a Node writer (bench/lib/mailbox-writer.ts) fills 50 rooms with
// 200 messages each through the app's Replicator, one update per message, until all are acked.
// Then the device: a bench page (bench/catchup/) running the app's MailboxClient, Replicator and
// DocPersistence in Chromium with its real IndexedDB, 50 rooms over one socket, timed from start
// until every doc holds its 200 messages and every persistence has flushed. The same code runs
// again in Node on fake-indexeddb, labelled as such: it shows how much of the time is the browser's
// storage and how much the sync path itself.
//
// Baseline, same run: the relay delivering the same 10,000 entries to a raw /v1 client that only
// counts frames (no decryption, no Yjs, no storage): the floor set by the relay and the socket.
import { randomBytes } from 'node:crypto';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { utf8 } from '../src/core/bytes.ts';
import { open } from '../src/core/crypto.ts';
import { deriveDocKeys, type DocKeys } from '../src/core/derive.ts';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../src/core/protocol.ts';
import type { SocketLike } from '../src/net/mailbox.ts';
import { FloeDb } from '../src/store/db.ts';
import { openBrowser, type BrowserHandle } from '../tests/support/browser.ts';
import { startRelay, type RelayProcess } from '../tests/support/relay-process.ts';
import { catchUp, type CatchUpResult } from './catchup/catchup.ts';
import { OUT_DIR } from './lib/build-pages.ts';
import { waitForIdleChromium } from './lib/chromium-gate.ts';
import { fillRooms } from './lib/mailbox-writer.ts';
import type { BenchResult } from './lib/report.ts';
import { serveStatic, type StaticServer } from './lib/static-server.ts';
import { fmt, withTimeout } from './lib/stats.ts';

const ROOMS = 50;
const PER_ROOM = 200;
const TARGET_S = 5;
const RUN_TIMEOUT_MS = 90_000;

interface IdbProbe {
  perTransactionMs: number;
  perRowBatchedMs: number;
}
type WithCatchup = {
  catchupBench: {
    run(url: string, secrets: string[], expected: number, timeoutMs: number): Promise<CatchUpResult>;
    idbProbe(n: number): Promise<IdbProbe>;
  };
};
const PROBE_ROWS = 500;

/**
 * Untimed: how many stored updates come before an update of the same writer they do not follow,
 * i.e. reached the relay out of order (each update here is one message, so its first struct's
 * clock must grow along the log). Such an update waits in Yjs until its predecessor arrives.
 */
async function outOfOrder(keys: DocKeys[], bodies: Map<string, Uint8Array[]>): Promise<number> {
  let n = 0;
  for (const k of keys) {
    let last = -1;
    for (const body of bodies.get(k.roomId) ?? []) {
      const update = await open(k.sealKey, body, utf8(k.roomId));
      const clock = update ? (Y.decodeUpdate(update).structs[0]?.id.clock ?? last) : last;
      if (clock < last) n++;
      last = Math.max(last, clock);
    }
  }
  return n;
}

/** Opens every room on one raw socket and counts entries until each room's `synced`. */
async function rawDelivery(v1Url: string, secrets: Uint8Array[]): Promise<{ ms: number; entries: number; outOfOrder: number }> {
  const keys = await Promise.all(secrets.map((s) => deriveDocKeys(s)));
  const bodies = new Map<string, Uint8Array[]>(keys.map((k) => [k.roomId, []]));
  const t0 = performance.now();
  const ws = new WebSocket(v1Url);
  let entries = 0;
  let synced = 0;
  try {
    await withTimeout('raw /v1 delivery', 60_000, new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('relay closed the socket')));
      ws.once('open', () => ws.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, agent: 'floe-bench' })));
      ws.on('message', (data: Buffer) => {
        const d = decodeServerFrame(new Uint8Array(data));
        if (!d.ok) return reject(new Error(d.reason));
        const h = d.frame.header;
        if (h.t === 'welcome') for (const k of keys) ws.send(encodeFrame({ t: 'open', room: k.roomId, cap: k.capability, after: 0 }));
        else if (h.t === 'entry') {
          entries++;
          bodies.get(h.room)?.push(new Uint8Array(d.frame.body));
        }
        else if (h.t === 'synced' && ++synced === keys.length) resolve();
        else if (h.t === 'error') reject(new Error(`${h.code}: ${h.message}`));
      });
    }));
    const ms = performance.now() - t0;
    return { ms, entries, outOfOrder: await outOfOrder(keys, bodies) };
  } finally {
    ws.removeAllListeners('close');
    ws.close();
  }
}

async function inBrowser(log: (line: string) => void, v1Url: string, secrets: Uint8Array[]): Promise<{ result: CatchUpResult; probe: IdbProbe; waited: number }> {
  const waited = await waitForIdleChromium(log);
  let pages: StaticServer | null = null;
  let browser: BrowserHandle | null = null;
  try {
    pages = await serveStatic(OUT_DIR);
    browser = await openBrowser({ origin: pages.url });
    await browser.page.goto(`${pages.url}/catchup/index.html`);
    await browser.page.waitForFunction(() => 'catchupBench' in window, undefined, { timeout: 10_000 });
    const encoded = secrets.map((s) => Buffer.from(s).toString('base64url'));
    const result = await browser.page.evaluate(
      ([url, s, n, ms]) => (window as unknown as WithCatchup).catchupBench.run(url as string, s as string[], n as number, ms as number),
      [v1Url, encoded, PER_ROOM, RUN_TIMEOUT_MS] as const,
    );
    // After the timed run, so it cannot disturb it: the cost of bare IndexedDB transactions here.
    const probe = await browser.page.evaluate((n) => (window as unknown as WithCatchup).catchupBench.idbProbe(n), PROBE_ROWS);
    const errors = browser.errors.filter((e) => !/WebSocket|ERR_CONNECTION|net::/.test(e));
    if (errors.length > 0) result.problems.push(...errors.slice(0, 3));
    return { result, probe, waited };
  } finally {
    await browser?.close();
    await pages?.close();
  }
}

async function inNode(v1Url: string, secrets: Uint8Array[]): Promise<CatchUpResult> {
  const db = new FloeDb(`floe-bench-catchup-${randomBytes(8).toString('hex')}`, { indexedDB, IDBKeyRange });
  try {
    return await catchUp({
      url: v1Url,
      secrets,
      expected: PER_ROOM,
      db,
      makeSocket: (u) => new WebSocket(u) as unknown as SocketLike,
      now: () => performance.now(),
      timeoutMs: RUN_TIMEOUT_MS,
    });
  } finally {
    db.close();
    await db.delete().catch(() => undefined);
  }
}

const s = (ms: number) => fmt(ms / 1000, 's', 2);
const perSec = (n: number, ms: number) => fmt(n / (ms / 1000), 'msg/s');

export async function benchCatchup(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  let relay: RelayProcess | null = null;
  try {
    // The writer pushes 10,000 updates on one socket as fast as acks come back, far above the
    // default 500 frames/s per connection; the catch-up itself sends only 50 opens.
    relay = await startRelay({ args: ['--v1-rate-limit', '1000000', '--v1-rate-burst', '10000000'] });
    const v1Url = `ws://127.0.0.1:${relay.port}/v1`;
    const secrets = Array.from({ length: ROOMS }, () => new Uint8Array(randomBytes(32)));
    const f0 = performance.now();
    await fillRooms(v1Url, secrets, PER_ROOM, 120_000);
    log(`catch-up: prefilled ${ROOMS * PER_ROOM} messages in ${s(performance.now() - f0)}`);

    const raw = await rawDelivery(v1Url, secrets);
    if (raw.entries !== ROOMS * PER_ROOM) throw new Error(`relay holds ${raw.entries} entries, expected ${ROOMS * PER_ROOM}`);
    log(`catch-up: raw relay delivery ${s(raw.ms)}`);
    const { result: web, probe, waited } = await inBrowser(log, v1Url, secrets);
    log(`catch-up: Chromium + IndexedDB ${s(web.totalMs)}`);
    const node = await inNode(v1Url, secrets);
    log(`catch-up: Node + fake-indexeddb ${s(node.totalMs)}`);

    const total = ROOMS * PER_ROOM;
    const ok = (r: CatchUpResult) => r.messages === total && r.reloadedMessages === total && r.undecryptable === 0 && r.problems.length === 0;
    const rawRow = `${s(raw.ms)} (relay → raw socket, no decrypt/apply/store)`;
    return {
      title: `4. Catch-up after being offline: ${total.toLocaleString('en-US')} messages in ${ROOMS} conversations`,
      rows: [
        { figure: 'Chromium, real IndexedDB: time to caught up', value: s(web.totalMs), baseline: rawRow, target: `≤ ${TARGET_S} s`, met: ok(web) && web.totalMs <= TARGET_S * 1000 },
        { figure: 'Chromium: messages/s', value: perSec(web.messages, web.totalMs), baseline: perSec(raw.entries, raw.ms), target: `≥ ${fmt(total / TARGET_S, 'msg/s')}`, met: ok(web) && web.totalMs <= TARGET_S * 1000 },
        { figure: 'Chromium: all docs complete (before the final flush)', value: s(web.docsMs), baseline: '—', target: '—', met: null },
        { figure: `bare IndexedDB in the same Chromium: one add per transaction, ${PROBE_ROWS} in a row`, value: fmt(probe.perTransactionMs, 'ms/transaction', 2), baseline: `${fmt(probe.perRowBatchedMs, 'ms/row', 3)} with ${PROBE_ROWS} rows in one transaction`, target: 'context only', met: null },
        { figure: 'Node + fake-indexeddb (not a browser): time to caught up', value: s(node.totalMs), baseline: rawRow, target: 'context only', met: null },
        { figure: 'Node + fake-indexeddb: messages/s', value: perSec(node.messages, node.totalMs), baseline: perSec(raw.entries, raw.ms), target: 'context only', met: null },
        { figure: 'messages in docs / rebuilt from IndexedDB afterwards (Chromium)', value: `${web.messages} / ${web.reloadedMessages} (${web.storedRows} rows)`, baseline: '—', target: `${total} / ${total}`, met: web.messages === total && web.reloadedMessages === total },
        { figure: 'messages in docs / rebuilt from storage afterwards (Node)', value: `${node.messages} / ${node.reloadedMessages} (${node.storedRows} rows)`, baseline: '—', target: `${total} / ${total}`, met: node.messages === total && node.reloadedMessages === total },
        { figure: 'prefill: entries the writer\'s Replicator pushed out of order (relay log)', value: `${raw.outOfOrder} of ${raw.entries}`, baseline: '—', target: '0 ("Outbox order is preserved per room", src/net/replicator.ts)', met: raw.outOfOrder === 0 },
        { figure: 'undecryptable entries / problems (Chromium, Node)', value: `${web.undecryptable}/${web.problems.length}, ${node.undecryptable}/${node.problems.length}`, baseline: '—', target: '0', met: ok(web) && ok(node) },
      ],
      notes: [
        `"Caught up" (our definition of visible here): every room's Y.Doc holds its ${PER_ROOM} messages in Y.Array 'messages', the relay's \`synced\` for the room has been processed, and every DocPersistence.flush() has resolved, i.e. the updates are committed to IndexedDB. Nothing is rendered by the app UI and message signatures are not verified in this figure.`,
        `Timed from the moment the device starts opening its rooms (key derivation, DocPersistence.open, Replicator.start for each of ${ROOMS} rooms, one MailboxClient) to the last flush; a fresh database each time, relay on 127.0.0.1.`,
        `Prefill: ${total} messages written by a Node device through Replicator.local (one Yjs update per message, sealed, acked by the relay); its outbox and cursors are in memory and the messages are shaped and sized like signed ones but not signed. The writer's socket needed a raised /v1 frame limit (--v1-rate-limit 1000000).`,
        'The Node line runs the identical catchUp() with fake-indexeddb instead of a browser; fake-indexeddb is a JavaScript stand-in, so that line is not a device figure.',
        ...(web.totalMs > TARGET_S * 1000
          ? [
              `Target missed (≤ ${TARGET_S} s). Not the relay: it delivers all ${total} entries to a bare socket in ${s(raw.ms)}; the same catch-up code on fake-indexeddb in Node takes ${s(node.totalMs)}. In Chromium the time goes to IndexedDB: ${web.storedRows} update rows were written for ${total} entries, nearly one transaction per entry, because entries are applied one at a time (each awaits its decryption) so DocPersistence's microtask batching merges updates only where entries that arrived early were waiting for a predecessor, and each room's cursor save waits for that room's writes before the next room's entries are applied. A bare single-row transaction costs ${fmt(probe.perTransactionMs, 'ms', 2)} here versus ${fmt(probe.perRowBatchedMs, 'ms', 3)} per row when ${PROBE_ROWS} share one, so applying and storing a relay page of entries per transaction (src/net/replicator.ts, src/store/doc-persistence.ts) is where the time can be won.`,
            ]
          : []),
        ...(raw.outOfOrder > 0
          ? [`The writer's updates reached the relay partly out of order (${raw.outOfOrder} entries stored before an earlier update of the same room): Replicator.pump() seals outbox rows concurrently and pushes each as its sealing resolves, so a room's order is not preserved when several rows are in flight. Yjs absorbs it (an early update waits until its predecessor arrives), so the catch-up still converges; it is reported because it contradicts the replicator's stated invariant.`]
          : []),
        ...(waited > 1000 ? [`Waited ${fmt(waited / 1000, 's', 0)} for another Chromium run to finish before the browser part.`] : []),
        ...[...web.problems, ...node.problems].slice(0, 3).map((p) => `Problem reported: ${p}`),
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await relay?.stop();
  }
}
