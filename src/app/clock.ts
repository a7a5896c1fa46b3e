// The device's hybrid logical clock, shared by all its conversations so that timestamps from
// this device increase across every chat.
import { decodeHlc, encodeHlc, hlcReceive, hlcTick, hlcZero, type Hlc } from '../core/hlc.ts';

export class DeviceClock {
  private hlc: Hlc;

  constructor(
    node: string,
    private readonly now: () => number = Date.now,
  ) {
    // The node id only breaks ties; a short prefix of the device key keeps timestamps compact.
    this.hlc = hlcZero(node.slice(0, 12));
  }

  /** A timestamp for a local event. */
  tick(): string {
    this.hlc = hlcTick(this.hlc, this.now());
    return encodeHlc(this.hlc);
  }

  /** Accept a timestamp seen in a message from elsewhere. */
  observe(encoded: string): void {
    const remote = decodeHlc(encoded);
    if (remote) this.hlc = hlcReceive(this.hlc, remote, this.now());
  }
}
