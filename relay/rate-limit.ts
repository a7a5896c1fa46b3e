// A token bucket: the per-connection rate limit on /signal (and later /v1).
//
// Invariants:
// - Pure: the caller passes the current time (milliseconds, monotonic) to every call, so tests
//   drive it with a fake clock and production uses performance.now().
// - 0 <= tokens <= burst at all times; a bucket starts full, so a fresh connection may send a
//   burst at once (y-webrtc sends subscribe + one announce per room on connect).
// - Time going backwards (it should not with a monotonic clock) never adds tokens.

export interface RateLimit {
  /** Tokens added per second: the sustained rate. */
  readonly perSecond: number;
  /** Bucket size: how many messages may arrive at once after a quiet period. */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
    }
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Spend `cost` tokens if available. Returns false, spending nothing, if the bucket is short. */
  take(now: number, cost = 1): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Tokens available at `now` (for tests and metrics). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed / 1000) * this.limit.perSecond);
  }
}
