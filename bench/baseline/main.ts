// The latency baseline page: nothing but yjs and y-webrtc, configured like the app's
// src/net/webrtc.ts (password, no ICE servers, BroadcastChannel peers filtered), so the gap
// between this and the app is what Floe adds on top of bare peer-to-peer sync (signing, IndexedDB,
// outbox, verification, rendering). Timestamps are wall-clock milliseconds with sub-ms precision
// (performance.timeOrigin + performance.now()), comparable across the two browsers on one machine.
import { WebrtcProvider } from 'y-webrtc';
import * as Y from 'yjs';

const now = () => performance.timeOrigin + performance.now();

const doc = new Y.Doc();
const items = doc.getArray<string>('messages');
const arrivals = new Map<string, number>();
const waiters = new Map<string, () => void>();
let provider: WebrtcProvider | null = null;

// Observers run synchronously when the remote update is applied: this is the moment the text
// is in the receiving doc, the bare-sync equivalent of "visible".
items.observe((event, tr) => {
  if (tr.local) return;
  const t = now();
  for (const d of event.changes.delta) {
    for (const v of d.insert ?? []) {
      if (typeof v !== 'string' || arrivals.has(v)) continue;
      arrivals.set(v, t);
      waiters.get(v)?.();
    }
  }
});

const api = {
  join(signal: string, room: string, password: string): void {
    provider = new WebrtcProvider(room, doc, {
      signaling: [signal],
      password,
      maxConns: 20,
      filterBcConns: true,
      peerOpts: { config: { iceServers: [] } },
    });
    // Presence baseline (bench/presence.ts): when a peer's awareness field arrives.
    provider.awareness.on('change', ({ added, updated }: { added: number[]; updated: number[] }) => {
      const t = now();
      for (const id of [...added, ...updated]) {
        const v = provider?.awareness.getStates().get(id)?.bench;
        if (typeof v === 'string' && !arrivals.has(v)) {
          arrivals.set(v, t);
          waiters.get(v)?.();
        }
      }
    });
  },
  /** Sets this page's awareness field to `value` and returns the time (presence baseline). */
  setAwareness(value: string): number {
    const t = now();
    provider?.awareness.setLocalStateField('bench', value);
    return t;
  },
  peers(): number {
    return provider?.room?.webrtcConns.size ?? 0;
  },
  /** Appends `text` and returns the send time. */
  send(text: string): number {
    const t = now();
    items.push([text]);
    return t;
  },
  /** Resolves with the arrival time of `text`, or rejects after `ms`. */
  arrival(text: string, ms: number): Promise<number> {
    const seen = arrivals.get(text);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(text);
        reject(new Error(`"${text}" did not arrive within ${ms} ms`));
      }, ms);
      waiters.set(text, () => {
        clearTimeout(timer);
        waiters.delete(text);
        resolve(arrivals.get(text)!);
      });
    });
  },
  leave(): void {
    provider?.destroy();
    provider = null;
  },
};

(window as unknown as { baseline: typeof api }).baseline = api;
