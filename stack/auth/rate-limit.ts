// Per-IP token buckets as GoTrue's limiter keeps them: `limit` requests in a burst, refilled evenly over
// `windowMs`. A limit of 0 turns the bucket off.
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string, now = Date.now()): boolean {
    if (this.limit <= 0) return true;
    const b = this.buckets.get(key) ?? { tokens: this.limit, at: now };
    b.tokens = Math.min(this.limit, b.tokens + ((now - b.at) * this.limit) / this.windowMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    // Full buckets carry no information; dropping them keeps the map small.
    if (this.buckets.size > 10_000)
      for (const [k, v] of this.buckets) if (v.tokens >= this.limit - 1) this.buckets.delete(k);
    return true;
  }
}
