// Client of the relay's /v1 mailbox (src/core/protocol.ts): one socket per relay, a handshake,
// rooms re-opened from their cursors after every reconnect, pushes answered by acks.
//
// Invariants: every `push` promise settles — with the seq on `ack`, or rejected with a
// MailboxError on an `error` frame or when the socket closes first (the caller's outbox keeps
// the update and retries). Entries are handed to the room's handler one at a time, in the order
// they arrive, which the relay guarantees is seq order per room.
import { toBase64Url } from '../core/bytes.ts';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION, type ClientHeader, type ErrorCode, type Frame, type ServerHeader } from '../core/protocol.ts';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** The part of WebSocket the client uses: injected so it runs in browsers, in Node (`ws`) and tests. */
export interface SocketLike {
  readyState: number;
  binaryType?: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export class MailboxError extends Error {
  override readonly name = 'MailboxError';
  constructor(
    readonly code: ErrorCode | 'disconnected',
    message: string,
  ) {
    super(message);
  }
}

export interface RoomHandler {
  /** Where to resume: the highest seq already applied and persisted. */
  cursor(): number;
  entry(seq: number, kind: 'update' | 'snapshot', body: Uint8Array, prepared?: unknown): Promise<void>;
  /**
   * Optional work started as soon as an entry arrives, before earlier entries are applied (such
   * as decrypting it); its result is passed to `entry`, which still runs in order.
   */
  prepare?(body: Uint8Array): Promise<unknown>;
  synced(head: number, gap: boolean): Promise<void>;
  refused?(code: ErrorCode, message: string): void;
}

interface OpenRoom {
  cap: string;
  handler: RoomHandler;
}

export interface EphemeralListener {
  receive(body: Uint8Array): void;
  live?(): void;
}

export interface MailboxOptions {
  url: string;
  makeSocket?: (url: string) => SocketLike;
  minDelay?: number;
  maxDelay?: number;
  pingInterval?: number;
}

export class MailboxClient {
  state: ConnectionState = 'closed';
  private socket: (SocketLike) | null = null;
  private readonly rooms = new Map<string, OpenRoom>();
  /** Requests waiting for their answer, by request id: pushes (ack) and ledger requests. */
  private readonly waiting = new Map<string, { resolve: (f: Frame<ServerHeader>) => void; reject: (e: MailboxError) => void }>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  /** room → who hears other devices' presence/typing frames for it (never stored by the relay). */
  private readonly ephemeralListeners = new Map<string, EphemeralListener>();
  /**
   * Rooms whose `synced` arrived on this connection: the relay has checked their capability, so
   * it accepts presence frames for them. (An `ephemeral` sent right after `open` could overtake
   * the relay's check of the open and be refused.)
   */
  private readonly live = new Set<string>();
  private inbound: Promise<void> = Promise.resolve();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  private ready = false;

  constructor(private readonly opts: MailboxOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.drop();
    this.socket?.close(1000, 'client stopped');
    this.socket = null;
    this.setState('closed');
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Keeps the room open across reconnects until `close`. */
  open(room: string, cap: string, handler: RoomHandler): void {
    this.rooms.set(room, { cap, handler });
    if (this.ready) this.sendOpen(room);
  }

  close(room: string): void {
    this.live.delete(room);
    if (this.rooms.delete(room) && this.ready) this.send(encodeFrame({ t: 'close', room }));
  }

  get connected(): boolean {
    return this.ready;
  }

  push(room: string, cap: string, body: Uint8Array, id: string, snapshotUpto?: number): Promise<number> {
    if (!this.ready) return Promise.reject(new MailboxError('disconnected', 'not connected to the relay'));
    const header = snapshotUpto === undefined ? { t: 'push' as const, room, cap, id } : { t: 'compact' as const, room, cap, id, upto: snapshotUpto };
    return this.request(header, body).then((f) => (f.header.t === 'ack' ? f.header.seq : Promise.reject(new MailboxError('internal', 'unexpected answer to a push'))));
  }

  /**
   * Sends a frame whose header carries an `id` and resolves with the relay's answer to that id
   * (an `error` frame rejects with its code). Rejects at once when not connected, and when the
   * connection drops before the answer: callers decide whether to send again.
   */
  request(header: ClientHeader & { id: string }, body?: Uint8Array): Promise<Frame<ServerHeader>> {
    if (!this.ready) return Promise.reject(new MailboxError('disconnected', 'not connected to the relay'));
    return new Promise((resolve, reject) => {
      // A frame that could not be sent must not wait for an answer that cannot come.
      if (!this.send(encodeFrame(header, body))) return reject(new MailboxError('disconnected', 'not connected to the relay'));
      this.waiting.set(header.id, { resolve, reject });
    });
  }

  /**
   * Sends a presence/typing frame to the room's other connections. Best effort: returns false
   * when not connected (nothing is queued: a stale presence is worse than none). The room must
   * be open on this client (the relay checks the capability it was opened with).
   */
  sendEphemeral(room: string, cap: string, body: Uint8Array): boolean {
    if (!this.ready || !this.live.has(room)) return false;
    return this.send(encodeFrame({ t: 'ephemeral', room, cap }, body));
  }

  /** `listener.receive` hears others' frames; `listener.live` is told when sending becomes possible (again). */
  onEphemeral(room: string, listener: EphemeralListener): () => void {
    this.ephemeralListeners.set(room, listener);
    return () => {
      if (this.ephemeralListeners.get(room) === listener) this.ephemeralListeners.delete(room);
    };
  }

  static newPushId(): string {
    return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  }

  /** False when nothing was sent (no open socket). */
  private send(frame: Uint8Array): boolean {
    if (this.socket?.readyState !== 1) return false;
    this.socket.send(frame);
    return true;
  }

  private sendOpen(room: string): void {
    const r = this.rooms.get(room);
    if (r) this.send(encodeFrame({ t: 'open', room, cap: r.cap, after: r.handler.cursor() }));
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private connect(): void {
    const make = this.opts.makeSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    this.setState('connecting');
    let socket: SocketLike;
    try {
      socket = make(this.opts.url);
    } catch {
      return this.retry();
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) this.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, agent: 'floe-web/1' }));
    };
    // Only the current socket speaks for the connection. A socket being closed (stop, then start
    // again) can still deliver the `welcome` it was sent: taken as ours, it marked a connection
    // open whose socket was still connecting, and pushes sent then were dropped unanswered.
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.receive(ev.data);
    };
    socket.onerror = () => socket.close();
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.drop();
      this.setState('closed');
      if (!this.stopped) this.retry();
    };
  }

  /** Fails every waiting push: the outbox will send them again on the next connection. */
  private drop(): void {
    this.ready = false;
    this.live.clear();
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
    for (const w of this.waiting.values()) w.reject(new MailboxError('disconnected', 'connection to the relay lost'));
    this.waiting.clear();
  }

  private retry(): void {
    const min = this.opts.minDelay ?? 300;
    const max = this.opts.maxDelay ?? 5_000;
    const delay = Math.min(max, min * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private receive(raw: unknown): void {
    const bytes = raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw instanceof Uint8Array ? raw : null;
    if (!bytes) return;
    const decoded = decodeServerFrame(bytes);
    if (!decoded.ok) return; // a relay speaking nonsense: ignore the frame, keep the data we have
    const { header, body } = decoded.frame;
    // Copy: the body may be a view into a buffer the socket reuses.
    this.handle(header, new Uint8Array(body));
  }

  private handle(h: ServerHeader, body: Uint8Array): void {
    switch (h.t) {
      case 'welcome':
        this.ready = true;
        this.attempt = 0;
        this.setState('open');
        for (const room of this.rooms.keys()) this.sendOpen(room);
        this.pinger = setInterval(() => this.send(encodeFrame({ t: 'ping' })), this.opts.pingInterval ?? 25_000);
        return;
      case 'error': {
        if (h.id) {
          const w = this.waiting.get(h.id);
          this.waiting.delete(h.id);
          w?.reject(new MailboxError(h.code, h.message));
        } else if (h.room) this.rooms.get(h.room)?.handler.refused?.(h.code, h.message);
        return;
      }
      case 'entry':
      case 'synced': {
        const room = this.rooms.get(h.room);
        if (!room) return;
        if (h.t === 'synced' && !this.live.has(h.room)) {
          this.live.add(h.room);
          this.ephemeralListeners.get(h.room)?.live?.();
        }
        // Entries are applied strictly one after another, in arrival order; their preparation
        // (decryption) runs ahead in parallel.
        const prepared = h.t === 'entry' && room.handler.prepare ? room.handler.prepare(body).catch(() => undefined) : undefined;
        this.inbound = this.inbound.then(async () =>
          (h.t === 'entry' ? room.handler.entry(h.seq, h.kind, body, await prepared) : room.handler.synced(h.head, h.gap)).catch(() => undefined),
        );
        return;
      }
      case 'pong':
        return;
      case 'ephemeral':
        this.ephemeralListeners.get(h.room)?.receive(body);
        return;
      default: {
        // Every other answer (ack, receipt, balance, history, proofs…) names its request.
        const id = 'id' in h && typeof h.id === 'string' ? h.id : null;
        const w = id === null ? undefined : this.waiting.get(id);
        if (!w || id === null) return;
        this.waiting.delete(id);
        w.resolve({ header: h, body });
      }
    }
  }
}
