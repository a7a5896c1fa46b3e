// Joins a Y.Doc to its y-webrtc room. The room name is the derived room id and the y-webrtc
// password the derived password, so the signaling server sees neither the secret nor who talks.
import type { WebrtcProvider } from 'y-webrtc';
import type * as Y from 'yjs';
import type { DocKeys } from '../core/derive.ts';

export interface PeerLink {
  readonly provider: WebrtcProvider;
  peerCount(): number;
  onPeers(listener: (count: number) => void): () => void;
  destroy(): void;
}

/** Groups keep the mesh bounded; the relay mailbox carries the rest. */
export const MAX_CONNS = 20;

/**
 * y-webrtc (with simple-peer) is about a third of the app's JavaScript and is not needed to show
 * what is stored locally, so it is loaded after the first screen.
 */
export async function joinWebrtc(doc: Y.Doc, keys: DocKeys, signalingUrl: string): Promise<PeerLink> {
  const { WebrtcProvider } = await import('y-webrtc');
  const provider = new WebrtcProvider(keys.roomId, doc, {
    signaling: [signalingUrl],
    password: keys.webrtcPassword,
    maxConns: MAX_CONNS,
    filterBcConns: true,
    peerOpts: { config: { iceServers: [] } },
  });
  const count = () => provider.room?.webrtcConns.size ?? 0;
  return {
    provider,
    peerCount: count,
    onPeers(listener) {
      const handler = () => listener(count());
      provider.on('peers', handler);
      return () => provider.off('peers', handler);
    },
    destroy: () => provider.destroy(),
  };
}
