// The /signal hub: y-webrtc's signaling protocol (subscribe, unsubscribe, publish, ping) over
// WebSockets that server.ts has already accepted.
//
// Invariants:
// - Every frame is untrusted. It is rate-limited, then validated (signaling-schema.ts), then
//   checked against policy; any failure closes only the offending socket, with a code and reason
//   from the one list in signaling-schema.ts. An exception while handling a frame closes that
//   socket with 1011; it never reaches the process or another connection.
// - A publish frame is forwarded byte for byte to every subscriber of its topic, the sender
//   included (as the reference server does), without the reference server's `clients` field.
// - Memory is bounded: topics per connection, distinct topics, subscriptions and connections
//   all have limits, and a subscriber whose send buffer grows past SEND_BUFFER_FACTOR frames is
//   disconnected instead of buffering without end.
// - `topics` holds exactly the topics with at least one subscriber, and each connection's
//   `subscribed` set mirrors it; a connection leaves every topic the moment it starts closing.
// - Topic names are room ids: they are never logged. Logs carry counts and close codes.
import { performance } from 'node:perf_hooks';
import type { RawData, WebSocket } from 'ws';
import type { SignalingLimits } from './config.ts';
import type { Logger } from './log.ts';
import { TokenBucket } from './rate-limit.ts';
import { CloseCode, CloseReason, PONG, parseClientFrame } from './signaling-schema.ts';

/** A subscriber may lag this many maximum-size frames behind before it is cut off. */
const SEND_BUFFER_FACTOR = 4;

interface Topic {
  readonly name: string;
  readonly subscribers: Set<Connection>;
}

interface Connection {
  readonly ws: WebSocket;
  readonly bucket: TokenBucket;
  /** Shares the Topic objects of the hub, so a topic name is stored once however many subscribe. */
  readonly subscribed: Set<Topic>;
  /** Cleared by each heartbeat, set by the pong; still false at the next beat means dead. */
  alive: boolean;
  /** Set once the relay or the peer has started closing; no frame is handled after that. */
  closing: boolean;
  frames: number;
}

export interface SignalingStats {
  connections: number;
  topics: number;
  subscriptions: number;
}

export interface SignalingHub {
  /** Whether one more socket fits under maxConnections (and the hub is not shutting down). */
  canAccept(): boolean;
  /** Take over an open socket: from now on the hub handles its frames and its end. */
  accept(ws: WebSocket): void;
  stats(): SignalingStats;
  /** Close every socket with 1001, wait up to `graceMs` for them to go, then cut the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export function createSignalingHub(limits: SignalingLimits, logger: Logger): SignalingHub {
  const log = logger.child({ component: 'signal' });
  const topics = new Map<string, Topic>();
  const connections = new Set<Connection>();
  const maxBuffered = SEND_BUFFER_FACTOR * limits.maxPayloadBytes;
  let subscriptions = 0;
  let shuttingDown = false;

  // Started with the first connection, so a hub that never accepts holds no timer.
  let heartbeat: NodeJS.Timeout | undefined;
  function beat(): void {
    for (const conn of connections) {
      if (!conn.alive) {
        log.info({ event: 'heartbeat_timeout', topics: conn.subscribed.size }, 'no pong, terminating');
        leaveAll(conn);
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.ping();
    }
  }

  function leaveAll(conn: Connection): void {
    for (const topic of conn.subscribed) {
      topic.subscribers.delete(conn);
      if (topic.subscribers.size === 0) topics.delete(topic.name);
    }
    subscriptions -= conn.subscribed.size;
    conn.subscribed.clear();
  }

  function close(conn: Connection, code: number, reason: string): void {
    if (conn.closing) return;
    conn.closing = true;
    leaveAll(conn);
    if (code !== CloseCode.goingAway) {
      log.info({ event: 'closed_by_relay', code, reason, frames: conn.frames }, 'closing connection');
    }
    try {
      conn.ws.close(code, reason);
    } catch {
      conn.ws.terminate();
    }
  }

  function send(conn: Connection, data: Buffer): void {
    if (conn.closing) return;
    if (conn.ws.bufferedAmount + data.length > maxBuffered) {
      close(conn, CloseCode.policyViolation, CloseReason.tooSlow);
      return;
    }
    // The callback swallows the error of a socket that died between the check and the write;
    // its 'close' handler does the cleanup.
    conn.ws.send(data, { binary: false }, () => {});
  }

  function subscribe(conn: Connection, names: readonly string[]): void {
    // Check everything before changing anything, so a refused frame leaves no partial state.
    const fresh = new Set<string>();
    let created = 0;
    for (const name of names) {
      if (name.length > limits.maxTopicLength) return close(conn, CloseCode.policyViolation, CloseReason.topicTooLong);
      const topic = topics.get(name);
      if (topic?.subscribers.has(conn) || fresh.has(name)) continue;
      fresh.add(name);
      if (!topic) created++;
    }
    if (conn.subscribed.size + fresh.size > limits.maxTopicsPerConnection) {
      return close(conn, CloseCode.policyViolation, CloseReason.tooManyTopics);
    }
    if (topics.size + created > limits.maxTopicsTotal || subscriptions + fresh.size > limits.maxSubscriptionsTotal) {
      log.warn({ event: 'capacity', topics: topics.size, subscriptions }, 'signaling capacity reached');
      return close(conn, CloseCode.tryAgainLater, CloseReason.atCapacity);
    }
    for (const name of fresh) {
      let topic = topics.get(name);
      if (!topic) {
        topic = { name, subscribers: new Set() };
        topics.set(name, topic);
      }
      topic.subscribers.add(conn);
      conn.subscribed.add(topic);
    }
    subscriptions += fresh.size;
  }

  function unsubscribe(conn: Connection, names: readonly string[]): void {
    for (const name of names) {
      const topic = topics.get(name);
      if (!topic || !topic.subscribers.delete(conn)) continue;
      conn.subscribed.delete(topic);
      subscriptions--;
      if (topic.subscribers.size === 0) topics.delete(name);
    }
  }

  function onFrame(conn: Connection, raw: Buffer, isBinary: boolean): void {
    if (conn.closing) return;
    conn.frames++;
    if (!conn.bucket.take(performance.now())) return close(conn, CloseCode.policyViolation, CloseReason.rateLimited);
    if (isBinary) return close(conn, CloseCode.unsupportedData, CloseReason.binary);
    // `ws` has already rejected text frames that are not UTF-8 (1007), so decoding is lossless.
    const parsed = parseClientFrame(raw.toString('utf8'));
    if (!parsed.ok) return close(conn, CloseCode.invalidPayload, parsed.reason);
    const frame = parsed.frame;
    switch (frame.type) {
      case 'subscribe':
        return subscribe(conn, frame.topics);
      case 'unsubscribe':
        return unsubscribe(conn, frame.topics);
      case 'publish': {
        if (frame.topic.length > limits.maxTopicLength) return close(conn, CloseCode.policyViolation, CloseReason.topicTooLong);
        const topic = topics.get(frame.topic);
        if (!topic) return;
        // Iterating a Set while `send` may delete a slow subscriber from it is safe in JS.
        for (const subscriber of topic.subscribers) send(subscriber, raw);
        return;
      }
      case 'ping':
        return send(conn, Buffer.from(PONG));
    }
  }

  function accept(ws: WebSocket): void {
    const conn: Connection = {
      ws,
      bucket: new TokenBucket({ perSecond: limits.rateLimitPerSecond, burst: limits.rateLimitBurst }, performance.now()),
      subscribed: new Set(),
      alive: true,
      closing: false,
      frames: 0,
    };
    connections.add(conn);
    heartbeat ??= setInterval(beat, limits.heartbeatIntervalMs);
    log.debug({ event: 'open', connections: connections.size }, 'connection opened');

    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        onFrame(conn, toBuffer(data), isBinary);
      } catch (err) {
        log.error({ err, event: 'handler_error' }, 'bug while handling a frame');
        close(conn, CloseCode.internalError, CloseReason.internal);
      }
    });
    // Control frames cost a token too, or a client could keep the relay busy answering pings.
    ws.on('ping', () => {
      if (!conn.closing && !conn.bucket.take(performance.now())) close(conn, CloseCode.policyViolation, CloseReason.rateLimited);
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    // Protocol errors (oversized frame → 1009, bad UTF-8 → 1007) are answered by `ws` itself;
    // without this listener they would be thrown as unhandled 'error' events.
    ws.on('error', (err: Error & { code?: string }) => {
      log.info({ event: 'protocol_error', errorCode: err.code }, 'socket error');
    });
    ws.on('close', (code: number) => {
      conn.closing = true;
      leaveAll(conn);
      connections.delete(conn);
      log.debug({ event: 'close', code, frames: conn.frames, connections: connections.size }, 'connection closed');
    });
  }

  async function shutdown(graceMs: number): Promise<void> {
    shuttingDown = true;
    clearInterval(heartbeat);
    const open = [...connections];
    const closed = open.map((conn) => new Promise<void>((resolve) => {
      if (conn.ws.readyState === conn.ws.CLOSED) return resolve();
      conn.ws.once('close', () => resolve());
    }));
    for (const conn of open) close(conn, CloseCode.goingAway, CloseReason.shuttingDown);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([Promise.all(closed).then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const conn of connections) conn.ws.terminate();
      await Promise.all(closed);
    }
  }

  return {
    canAccept: () => !shuttingDown && connections.size < limits.maxConnections,
    accept,
    stats: () => ({ connections: connections.size, topics: topics.size, subscriptions }),
    shutdown,
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
