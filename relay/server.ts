// The relay's one HTTP server on one port: the built PWA at /, /healthz, WebSocket signaling at
// /signal, /v1 (mailbox and ledger) and /metrics (Prometheus).
//
// Invariants:
// - `createRelay` opens nothing; `listen` binds, `close` releases everything it bound. Two
//   relays can live in one process (no module state), which keeps tests honest.
// - Only `/signal` and `/v1` upgrade to a WebSocket. Any other upgrade gets a 404 and its socket is
//   destroyed; an upgrade over the connection limit or during shutdown gets a 503.
// - Every HTTP error uses the one JSON shape of http-errors.ts.
// - `close` is bounded: sockets get 1001 and `graceMs` to finish, then they are cut.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Config } from './config.ts';
import { errorBody, sendError } from './http-errors.ts';
import type { Logger } from './log.ts';
import { createSignalingHub, type SignalingStats } from './signaling.ts';
import { capHash, createMailboxHub } from './mailbox/hub.ts';
import { SqliteMailboxStore } from './mailbox/sqlite-store.ts';
import { createLedgerService } from './ledger/handler.ts';
import { loadLedgerKeys } from './ledger/keys.ts';
import { workerLedgerCrypto } from './ledger/ledger-crypto.ts';
import { LEDGER_DB_FILE, SqliteLedgerStore } from './ledger/sqlite-store.ts';
import { MAX_HEADER_BYTES } from '../src/core/protocol.ts';
import { join } from 'node:path';
import { serveStatic } from './static.ts';
import { createPushService } from './push/service.ts';
import { PUSH_DB_FILE, PushStore } from './push/store.ts';
import { loadVapidKeys } from './push/vapid.ts';
import { createMetrics } from './metrics.ts';

export interface RelayAddress {
  port: number;
  host: string;
}

export interface Relay {
  /** Bind the port (0 picks one) and log `{"msg":"listening","port":N,"host":H}`. */
  listen(): Promise<RelayAddress>;
  /** Refuse new work, close sockets with 1001, stop the server. Safe to call more than once. */
  close(): Promise<void>;
  stats(): SignalingStats;
}

export interface RelayOptions {
  /** How long open sockets and requests get to finish on close before being cut. */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 2_000;

/** The relay's version as shipped in package.json, read once per relay. */
function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function pathOf(url: string | undefined): string {
  return (url ?? '/').split(/[?#]/, 1)[0] ?? '/';
}

/** Answer an upgrade we will not accept, in plain HTTP on the raw socket, then drop it. */
function refuseUpgrade(socket: Duplex, status: 404 | 503, text: string): void {
  const body = errorBody(status === 404 ? 'not_found' : 'unavailable', text);
  const head = [
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

export function createRelay(config: Config, logger: Logger, options: RelayOptions = {}): Relay {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const version = readVersion();
  const hub = createSignalingHub(config.signaling, logger);
  // `ws` only does the handshake and framing; the hub tracks sockets itself. No compression:
  // it costs CPU per frame and opens the door to decompression bombs for tiny JSON frames.
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: config.signaling.maxPayloadBytes,
  });
  // /v1 carries sealed snapshots, so its frames may be far larger than signaling's.
  const mailboxWss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: config.mailbox.maxSnapshotBytes + MAX_HEADER_BYTES + 16,
  });
  // Keys are created on first start (ledger/keys.ts); only their public ids are ever logged.
  const keys = loadLedgerKeys(config.dataDir);
  const ledger = createLedgerService({
    store: new SqliteLedgerStore(
      join(config.dataDir, LEDGER_DB_FILE),
      { operator: keys.operator.id, log: keys.ledger.id, escrow: keys.ledger.id, sign: keys.ledger.signSync },
      { backgroundCheckpoint: true, asyncFsync: true },
    ),
    redpackets: { file: join(config.dataDir, LEDGER_DB_FILE), expiryMs: config.redpacketExpiryMs },
    ledgerKey: keys.ledger,
    operator: keys.operator.id,
    log: logger,
    crypto: workerLedgerCrypto(keys.ledger.privateKey),
  });
  logger.info({ event: 'ledger', ledgerKey: keys.ledger.id, operator: keys.operator.id }, 'ledger ready');
  const mailboxStore = new SqliteMailboxStore(join(config.dataDir, 'mailbox.sqlite'), { maxRoomBytes: config.mailbox.maxRoomBytes });
  // The VAPID key is created on first start (push/vapid.ts); neither half of it is logged.
  const push = config.push.enabled
    ? createPushService({
        store: new PushStore(join(config.dataDir, PUSH_DB_FILE)),
        vapid: loadVapidKeys(config.dataDir),
        config: config.push,
        log: logger,
        authorize: (room, hash) => mailboxStore.authorize(room, hash),
        capHash,
        maxRooms: config.mailbox.maxRoomsPerConnection,
        retentionMs: config.mailbox.retentionMs,
      })
    : undefined;
  const mailbox = createMailboxHub({
    store: mailboxStore,
    limits: config.mailbox,
    log: logger,
    ledger,
    ...(push ? { push } : {}),
  });
  const metrics = createMetrics({ version, signaling: () => hub.stats(), mailboxConnections: () => mailbox.connections() });
  let closing: Promise<void> | null = null;

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, 'method_not_allowed', 'only GET and HEAD are served here', { Allow: 'GET, HEAD' });
    }
    const path = pathOf(req.url);
    if (path === '/healthz') {
      const body = JSON.stringify({ status: 'ok', version });
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/metrics') {
      const body = await metrics.render();
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/signal' || path === '/v1') {
      return sendError(res, 426, 'upgrade_required', `${path} speaks WebSocket only`, { Upgrade: 'websocket' });
    }
    await serveStatic(config.staticDir, req, res);
  }

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      logger.error({ err, event: 'http_handler_error' }, 'bug while answering a request');
      sendError(res, 500, 'internal', 'internal error');
    });
  });
  // Slow-loris bounds: a client must send its headers and request promptly.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Errors on a socket we have not handed to `ws` yet (client reset) must not be unhandled.
    socket.on('error', () => socket.destroy());
    const path = pathOf(req.url);
    if (path === '/v1') {
      if (closing) return refuseUpgrade(socket, 503, 'relay is shutting down');
      return mailboxWss.handleUpgrade(req, socket, head, (ws) => mailbox.accept(ws));
    }
    if (path !== '/signal') return refuseUpgrade(socket, 404, 'no WebSocket endpoint here');
    if (closing || !hub.canAccept()) {
      logger.warn({ event: 'upgrade_refused', ...hub.stats() }, 'refusing /signal connection');
      return refuseUpgrade(socket, 503, 'relay is at capacity or shutting down');
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws));
  });
  // Malformed HTTP from a client: answer 400 and drop, without logging its bytes.
  server.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  function listen(): Promise<RelayAddress> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(config.port, config.host, () => {
        server.off('error', onError);
        server.on('error', (err) => logger.error({ err, event: 'server_error' }, 'server error'));
        const address = server.address() as AddressInfo;
        const bound = { port: address.port, host: address.address };
        logger.info(bound, 'listening');
        resolve(bound);
      });
    });
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await hub.shutdown(graceMs);
      wss.close();
      await mailbox.close();
      await push?.close();
      await ledger.close();
      mailboxWss.close();
      // Requests still in flight (a large asset to a slow client) get the same grace.
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await stopped;
      clearTimeout(cut);
      logger.info({ event: 'closed' }, 'relay closed');
    })();
    return closing;
  }

  return { listen, close, stats: () => hub.stats() };
}
