// Carries presence beacons (src/core/presence.ts) for one conversation room over both paths:
// Yjs awareness on the room's y-webrtc provider when it is joined, and the relay's `ephemeral`
// frame, sealed with the room's key, always. Receivers get each beacon through whichever path is
// faster; the PresenceBook drops the second copy (same `at`).
//
// Invariants: nothing here is stored anywhere. The relay sees only sealed bytes, under an
// associated data of its own (`floe/v1/ephemeral|room`) so a presence frame can never be
// replayed as a mailbox update or into another room. Anything that does not open or parse is
// dropped and counted, never thrown.
import type { Awareness } from 'y-protocols/awareness';
import { utf8 } from '../core/bytes.ts';
import { open, seal } from '../core/crypto.ts';
import type { DocKeys } from '../core/derive.ts';
import { encodeBeacon, parseBeacon, type Beacon } from '../core/presence.ts';
import type { MailboxClient } from './mailbox.ts';

/** The awareness field Floe uses; other fields of a peer's awareness state are ignored. */
export const AWARENESS_FIELD = 'floe';

const aad = (roomId: string) => utf8(`floe/v1/ephemeral|${roomId}`);

export async function sealBeacon(keys: DocKeys, beacon: Beacon): Promise<Uint8Array> {
  return seal(keys.sealKey, encodeBeacon(beacon), aad(keys.roomId));
}

export async function openBeacon(keys: DocKeys, body: Uint8Array): Promise<Beacon | null> {
  const plain = await open(keys.sealKey, body, aad(keys.roomId));
  if (!plain) return null;
  const parsed = parseBeacon(plain);
  return parsed.ok ? parsed.value : null;
}

export class PresenceChannel {
  /** Frames that did not open or parse (a bug or a hostile peer): visible to tests. */
  rejected = 0;
  private awareness: Awareness | null = null;
  private goodbye: { beacon: Beacon; sealed: Uint8Array | null } | null = null;
  private offAwareness: (() => void) | null = null;
  private offRelay: () => void;

  constructor(
    private readonly mailbox: MailboxClient,
    private keys: DocKeys,
    private readonly receive: (beacon: Beacon) => void,
    /** The relay path is usable (again): after connecting, reconnecting, or a rekey. */
    private readonly onLive: () => void = () => undefined,
  ) {
    this.offRelay = this.listen(keys);
  }

  private listen(keys: DocKeys): () => void {
    return this.mailbox.onEphemeral(keys.roomId, {
      receive: (body) => void openBeacon(keys, body).then((b) => (b ? this.receive(b) : this.rejected++)),
      live: () => this.onLive(),
    });
  }

  /** After a rotation the room (and its key) change; presence follows. */
  rekey(keys: DocKeys): void {
    this.offRelay();
    this.keys = keys;
    this.offRelay = this.listen(keys);
  }

  /** Joins the room's awareness (WebRTC); returns a detach to call before the provider goes. */
  useAwareness(awareness: Awareness, current: Beacon | null): () => void {
    this.offAwareness?.();
    this.awareness = awareness;
    const onChange = ({ added, updated }: { added: number[]; updated: number[] }) => {
      for (const id of [...added, ...updated]) {
        if (id === awareness.clientID) continue;
        const state = awareness.getStates().get(id)?.[AWARENESS_FIELD];
        if (state === undefined || state === null) continue;
        const parsed = parseBeacon(state);
        if (parsed.ok) this.receive(parsed.value);
        else this.rejected++;
      }
    };
    awareness.on('change', onChange);
    if (current) awareness.setLocalStateField(AWARENESS_FIELD, current);
    const off = () => {
      awareness.off('change', onChange);
      if (this.awareness === awareness) this.awareness = null;
      if (this.offAwareness === off) this.offAwareness = null;
    };
    this.offAwareness = off;
    return off;
  }

  /**
   * Sends over both paths; `viaRelay: false` keeps a beacon on WebRTC only (benchmarks). Also
   * seals, ahead of time, the goodbye that `farewell` sends: a page being closed has no time
   * left for async crypto. The goodbye's `at + 1` is newer than this beacon and older than the
   * next (the hub steps `at` by 2).
   */
  async send(beacon: Beacon, viaRelay = true): Promise<void> {
    this.awareness?.setLocalStateField(AWARENESS_FIELD, beacon);
    const { typing: _typing, ...rest } = beacon;
    const bye: Beacon = { ...rest, status: 'offline', message: '', at: beacon.at + 1 };
    this.goodbye = { beacon: bye, sealed: null };
    if (!viaRelay) return;
    const keys = this.keys;
    const [sealed, sealedBye] = await Promise.all([sealBeacon(keys, beacon), sealBeacon(keys, bye)]);
    if (this.goodbye?.beacon === bye) this.goodbye.sealed = sealedBye;
    this.mailbox.sendEphemeral(keys.roomId, keys.capability, sealed);
  }

  /** Says Offline at once, synchronously (page hide, app close), over whatever path is up. */
  farewell(): void {
    const bye = this.goodbye;
    if (!bye) return;
    this.goodbye = null;
    this.awareness?.setLocalStateField(AWARENESS_FIELD, bye.beacon);
    if (bye.sealed) this.mailbox.sendEphemeral(this.keys.roomId, this.keys.capability, bye.sealed);
  }

  close(): void {
    this.offAwareness?.();
    this.offRelay();
  }
}
