// At most one push per device per window: a busy room (or many rooms) must not make a phone buzz
// for every message. The notification a push shows says only "you have new messages", so the
// pushes dropped inside a window lose nothing; the push service's Topic header coalesces further
// while the device is offline (sender.ts).
//
// Pure: the caller passes the time. Memory is bounded by `maxKeys`: past it, entries whose window
// has passed are forgotten first, then the least recently admitted.
export class Coalescer {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** True if a push to `key` may go now (and records it); false inside its window. */
  admit(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.windowMs && now >= at) return false;
    this.last.delete(key); // re-inserted last: Map order is admission order
    this.last.set(key, now);
    if (this.last.size > this.maxKeys) this.prune(now);
    return true;
  }

  forget(key: string): void {
    this.last.delete(key);
  }

  get size(): number {
    return this.last.size;
  }

  private prune(now: number): void {
    for (const [k, at] of this.last) if (now - at >= this.windowMs) this.last.delete(k);
    for (const k of this.last.keys()) {
      if (this.last.size <= this.maxKeys) break;
      this.last.delete(k);
    }
  }
}
