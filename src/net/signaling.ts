// A small client for the relay's /signal endpoint (y-webrtc's pub/sub protocol), used for what
// is not a y-webrtc room: invite hellos on rendezvous topics. One socket; reconnects with
// capped exponential backoff and re-subscribes; publishes made while disconnected are dropped
// (callers repeat hellos until confirmed, so a lost publish costs one period).
//
// The WebSocket constructor and timers are injected so the client runs in browsers, in Node
// (with `ws`) and in tests.

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface SignalingOptions {
  url: string;
  makeSocket?: (url: string) => SocketLike;
  /** Backoff bounds in ms. */
  minDelay?: number;
  maxDelay?: number;
  pingInterval?: number;
}

type Listener = (topic: string, data: unknown) => void;

export class SignalingClient {
  private socket: SocketLike | null = null;
  private readonly topics = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  state: ConnectionState = 'closed';

  constructor(private readonly opts: SignalingOptions) {}

  start(): void {
    this.stopped = false;
    if (!this.socket) this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    this.timer = this.pinger = null;
    const s = this.socket;
    this.socket = null;
    s?.close(1000, 'client stopped');
    this.setState('closed');
  }

  subscribe(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    this.send({ type: 'subscribe', topics: [topic] });
  }

  unsubscribe(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.send({ type: 'unsubscribe', topics: [topic] });
  }

  /** Returns false when the message could not be sent now. */
  publish(topic: string, data: unknown): boolean {
    return this.send({ type: 'publish', topic, data });
  }

  onMessage(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private send(message: object): boolean {
    if (this.socket?.readyState !== 1) return false;
    this.socket.send(JSON.stringify(message));
    return true;
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
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      if (this.topics.size > 0) this.send({ type: 'subscribe', topics: [...this.topics] });
      this.pinger = setInterval(() => this.send({ type: 'ping' }), this.opts.pingInterval ?? 25_000);
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => socket.close();
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.pinger) clearInterval(this.pinger);
      this.pinger = null;
      this.setState('closed');
      if (!this.stopped) this.retry();
    };
  }

  private retry(): void {
    const min = this.opts.minDelay ?? 500;
    const max = this.opts.maxDelay ?? 15_000;
    const delay = Math.min(max, min * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { type?: unknown; topic?: unknown; data?: unknown };
    if (m.type === 'publish' && typeof m.topic === 'string' && this.topics.has(m.topic)) {
      for (const l of this.listeners) l(m.topic, m.data);
    }
  }
}
