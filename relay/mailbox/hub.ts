// The /v1 endpoint: Floe's mailbox protocol (src/core/protocol.ts, docs/protocol.md) over
// WebSockets that server.ts has accepted.
//
// Invariants:
// - Every frame is untrusted: rate-limited (frames and bytes), decoded and schema-checked, then
//   checked against the room's capability. A malformed frame closes only that socket (1007); a
//   refused request gets one `error` frame naming its id and changes nothing.
// - A push is acknowledged only after its group-commit transaction is durable, and then fanned
//   out, in seq order, to every connection that has the room open (the pusher too: its cursor
//   advances only on entries, so it never skips another device's entry).
// - While a room is being caught up for a connection, live entries for it are held back and sent
//   after `synced`, so each connection sees a room's entries in seq order exactly once.
// - The relay never learns more than room ids, capability hashes and sealed bytes; nothing of
//   those is logged.
// - Ledger frames (transfer, balance, …) share the connection, its handshake and its limits,
//   and are answered by the ledger service (relay/ledger/handler.ts).
import { performance } from 'node:perf_hooks';
import type { RawData, WebSocket } from 'ws';
import { createHash } from 'node:crypto';
import { decodeClientFrame, encodeFrame, EPHEMERAL_RATE, MAX_EPHEMERAL_BYTES, PROTOCOL_VERSION, V1Close, type ClientHeader, type ErrorCode, type ServerHeader } from '../../src/core/protocol.ts';
import type { MailboxLimits } from '../config.ts';
import type { Logger } from '../log.ts';
import type { LedgerService } from '../ledger/handler.ts';
import type { PushService } from '../push/service.ts';
import { TokenBucket } from '../rate-limit.ts';
import { GroupCommit } from './group-commit.ts';
import type { MailboxStore } from './store.ts';

const READ_PAGE = 500;

/**
 * SHA-256 of the capability, as src/core/derive.ts's capabilityHash computes it, but synchronous:
 * an await before a push is handed to group commit would let a later push of the same connection
 * overtake it, and the room's log must keep each connection's order.
 */
export const capHash = (cap: string): string => createHash('sha256').update(cap, 'utf8').digest('hex');
/**
 * A connection with more unsent bytes than this when a ledger answer is ready is closed: one
 * small request can ask for a large answer (`entries`), so a client that never reads would
 * otherwise make the relay hold its answers in memory without bound.
 */
const LEDGER_BACKLOG_BYTES = 8 * 1024 * 1024;

interface Held {
  seq: number;
  frame: Uint8Array;
}

interface Conn {
  ws: WebSocket;
  greeted: boolean;
  frames: TokenBucket;
  bytes: TokenBucket;
  /** room → entries held back while that room is being caught up (null once live). */
  rooms: Map<string, Held[] | null>;
  /** room → SHA-256 of the capability this connection opened it with (checked by `ephemeral`). */
  caps: Map<string, string>;
  /** Presence/typing frames have their own, tighter bucket: they are never stored, only fanned out. */
  ephemeral: TokenBucket;
  closing: boolean;
}

/** A receiver with this much unsent data gets no presence frames: they are dropped, not queued. */
const EPHEMERAL_BACKLOG_BYTES = 1024 * 1024;

export interface MailboxHub {
  accept(ws: WebSocket): void;
  connections(): number;
  close(): Promise<void>;
}

export function createMailboxHub(opts: { store: MailboxStore; limits: MailboxLimits; log: Logger; now?: () => number; ledger?: LedgerService; push?: PushService }): MailboxHub {
  const { store, limits, log } = opts;
  const now = opts.now ?? Date.now;
  const commit = new GroupCommit(store);
  const conns = new Set<Conn>();
  const subscribers = new Map<string, Set<Conn>>();
  const sweeper = setInterval(() => void sweep(), Math.min(3600_000, Math.max(1000, limits.retentionMs / 10)));
  sweeper.unref();

  async function sweep(): Promise<void> {
    try {
      const n = await store.sweep(now() - limits.retentionMs);
      if (n > 0) log.info({ event: 'retention', deleted: n }, 'expired mailbox entries deleted');
    } catch (err) {
      log.error({ err }, 'retention sweep failed');
    }
  }
  void sweep();

  const send = (conn: Conn, header: ServerHeader, body?: Uint8Array) => {
    if (conn.closing || conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(encodeFrame(header, body), { binary: true });
  };
  const sendRaw = (conn: Conn, frame: Uint8Array) => {
    if (!conn.closing && conn.ws.readyState === conn.ws.OPEN) conn.ws.send(frame, { binary: true });
  };
  const refuse = (conn: Conn, code: ErrorCode, message: string, id?: string, room?: string) =>
    send(conn, { t: 'error', code, message, ...(id ? { id } : {}), ...(room ? { room } : {}) });
  const close = (conn: Conn, code: number, reason: string) => {
    if (conn.closing) return;
    conn.closing = true;
    leaveAll(conn);
    conn.ws.close(code, reason);
  };

  function leaveAll(conn: Conn): void {
    for (const room of conn.rooms.keys()) {
      const set = subscribers.get(room);
      set?.delete(conn);
      if (set?.size === 0) subscribers.delete(room);
    }
    conn.rooms.clear();
    conn.caps.clear();
  }

  function fanOut(room: string, seq: number, frame: Uint8Array): void {
    for (const c of subscribers.get(room) ?? []) {
      const held = c.rooms.get(room);
      if (held) held.push({ seq, frame });
      else sendRaw(c, frame);
    }
  }

  async function open(conn: Conn, h: Extract<ClientHeader, { t: 'open' }>): Promise<void> {
    if (!conn.rooms.has(h.room) && conn.rooms.size >= limits.maxRoomsPerConnection) {
      return refuse(conn, 'quota-exceeded', 'too many rooms open on one connection', undefined, h.room);
    }
    if ((await store.authorize(h.room, capHash(h.cap))) === 'forbidden') {
      return refuse(conn, 'forbidden', 'wrong capability for this room', undefined, h.room);
    }
    if (conn.closing) return;
    conn.caps.set(h.room, capHash(h.cap));
    const held: Held[] = [];
    conn.rooms.set(h.room, held);
    let set = subscribers.get(h.room);
    if (!set) subscribers.set(h.room, (set = new Set()));
    set.add(conn);
    let after = h.after;
    let page = await store.read(h.room, after, READ_PAGE);
    const gap = after < page.floor;
    for (;;) {
      for (const e of page.entries) send(conn, { t: 'entry', room: h.room, seq: e.seq, kind: e.kind }, e.data);
      if (page.entries.length < READ_PAGE) break;
      after = page.entries.at(-1)!.seq;
      page = await store.read(h.room, after, READ_PAGE);
    }
    const sent = page.entries.at(-1)?.seq ?? after;
    send(conn, { t: 'synced', room: h.room, head: Math.max(sent, h.after), gap });
    if (conn.rooms.get(h.room) !== held) return; // closed meanwhile
    conn.rooms.set(h.room, null);
    // Held entries were committed during the catch-up; those it already read are skipped.
    for (const e of held) if (e.seq > sent) sendRaw(conn, e.frame);
  }

  async function append(conn: Conn, h: Extract<ClientHeader, { t: 'push' | 'compact' }>, body: Uint8Array): Promise<void> {
    const kind = h.t === 'compact' ? 'snapshot' : 'update';
    const max = kind === 'snapshot' ? limits.maxSnapshotBytes : limits.maxUpdateBytes;
    if (body.length === 0) return refuse(conn, 'bad-request', 'empty update', h.id, h.room);
    if (body.length > max) return refuse(conn, 'too-large', `a ${kind} may be at most ${max} bytes`, h.id, h.room);
    const outcome = await commit.submit({
      room: h.room,
      capHash: capHash(h.cap),
      pushId: h.id,
      kind,
      data: body,
      now: now(),
      ...(h.t === 'compact' ? { upto: h.upto } : {}),
    });
    if (!outcome.ok) return refuse(conn, outcome.code, outcome.message, h.id, h.room);
    send(conn, { t: 'ack', room: h.room, id: h.id, seq: outcome.seq });
    if (!outcome.duplicate) fanOut(h.room, outcome.seq, encodeFrame({ t: 'entry', room: h.room, seq: outcome.seq, kind }, body));
    // Web Push for devices away (relay/push/service.ts); a snapshot only restates what was there.
    if (!outcome.duplicate && kind === 'update') opts.push?.appended(h.room, capHash(h.cap), conn, subscribers.get(h.room) ?? []);
  }

  /**
   * Presence and typing: only a connection that opened the room with its capability may send,
   * and only the room's other connections that opened it with the same capability receive. Nothing is stored or logged; an over-limit
   * frame is refused with an error and the connection stays up (presence is best effort).
   */
  function ephemeral(conn: Conn, h: Extract<ClientHeader, { t: 'ephemeral' }>, body: Uint8Array): void {
    // Refusals name no room: they are about this frame, and must not read as the room refused.
    if (!conn.ephemeral.take(performance.now())) return refuse(conn, 'rate-limited', 'too many presence frames');
    if (body.length === 0) return refuse(conn, 'bad-request', 'empty presence frame');
    if (body.length > MAX_EPHEMERAL_BYTES) return refuse(conn, 'too-large', `a presence frame may be at most ${MAX_EPHEMERAL_BYTES} bytes`);
    const opened = conn.caps.get(h.room);
    if (opened === undefined || opened !== capHash(h.cap)) return refuse(conn, 'forbidden', 'presence frame for a room not opened with this capability');
    const frame = encodeFrame({ t: 'ephemeral', room: h.room }, body);
    // Only to connections that opened the room with the same capability: a room nobody has
    // pushed to yet has no registered capability, and opening it then proves nothing.
    for (const c of subscribers.get(h.room) ?? []) {
      if (c !== conn && c.caps.get(h.room) === opened && c.ws.bufferedAmount < EPHEMERAL_BACKLOG_BYTES) sendRaw(c, frame);
    }
  }

  async function onFrame(conn: Conn, data: Uint8Array): Promise<void> {
    const t = performance.now();
    if (!conn.frames.take(t) || !conn.bytes.take(t, data.length)) return close(conn, V1Close.policy, 'rate limit exceeded');
    const decoded = decodeClientFrame(data);
    if (!decoded.ok) return close(conn, V1Close.malformed, decoded.reason);
    const { header: h, body } = decoded.frame;
    if (h.t === 'hello') {
      if (h.v !== PROTOCOL_VERSION) return close(conn, V1Close.unsupportedVersion, `unsupported protocol version; this relay speaks ${PROTOCOL_VERSION}`);
      conn.greeted = true;
      const { retentionMs, maxUpdateBytes, maxSnapshotBytes } = limits;
      return send(conn, { t: 'welcome', v: PROTOCOL_VERSION, retentionMs, maxUpdateBytes, maxSnapshotBytes });
    }
    if (!conn.greeted) return close(conn, V1Close.handshakeRequired, 'send hello first');
    switch (h.t) {
      case 'ping':
        return send(conn, { t: 'pong' });
      case 'open':
        return open(conn, h);
      case 'close': {
        conn.rooms.delete(h.room);
        conn.caps.delete(h.room);
        subscribers.get(h.room)?.delete(conn);
        return;
      }
      case 'ephemeral':
        return ephemeral(conn, h, body);
      case 'push':
      case 'compact':
        return append(conn, h, body);
      case 'push-key':
      case 'push-subscribe':
      case 'push-unsubscribe':
        if (!opts.push) return refuse(conn, 'unavailable', 'this relay does not send push notifications', h.id);
        return opts.push.handle(conn, h, body, { answer: (header) => send(conn, header), refuse: (code, message) => refuse(conn, code, message, h.id) });
      default:
        if (!opts.ledger) return refuse(conn, 'bad-request', 'this relay keeps no ledger', h.id);
        return opts.ledger.handle(h, body, (header, reply) => {
          if (conn.ws.bufferedAmount > LEDGER_BACKLOG_BYTES) return close(conn, V1Close.policy, 'client too slow');
          send(conn, header, reply);
        });
    }
  }

  return {
    accept(ws) {
      const t = performance.now();
      const conn: Conn = {
        ws,
        greeted: false,
        frames: new TokenBucket({ perSecond: limits.framesPerSecond, burst: limits.frameBurst }, t),
        bytes: new TokenBucket({ perSecond: limits.bytesPerSecond, burst: limits.byteBurst }, t),
        rooms: new Map(),
        caps: new Map(),
        ephemeral: new TokenBucket(EPHEMERAL_RATE, t),
        closing: false,
      };
      conns.add(conn);
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (!isBinary) return close(conn, V1Close.textFrame, 'text frames are not accepted on /v1');
        const bytes = toBytes(data);
        onFrame(conn, bytes).catch((err: unknown) => {
          log.error({ err }, 'mailbox request failed');
          const id = peekId(bytes);
          if (id === undefined) close(conn, V1Close.internal, 'internal error');
          else refuse(conn, 'unavailable', 'the relay could not store this right now; retry', id);
        });
      });
      ws.on('close', () => {
        conn.closing = true;
        leaveAll(conn);
        conns.delete(conn);
        opts.push?.disconnected(conn);
      });
      ws.on('error', () => close(conn, V1Close.internal, 'socket error'));
    },
    connections: () => conns.size,
    async close() {
      clearInterval(sweeper);
      for (const c of conns) close(c, V1Close.goingAway, 'relay shutting down');
      await store.close();
    },
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The request id of a push, compact or ledger request, to answer a failure without dropping the connection. */
function peekId(bytes: Uint8Array): string | undefined {
  const d = decodeClientFrame(bytes);
  return d.ok && 'id' in d.frame.header ? d.frame.header.id : undefined;
}
