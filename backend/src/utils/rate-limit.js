'use strict';
// Fixed-window-free token bucket per (group, client key). In memory: limits reset on restart.
class RateLimiter {
  constructor(perMinute, { burst } = {}) {
    this.rate = perMinute / 60000; // tokens per ms
    this.capacity = burst ?? perMinute;
    this.buckets = new Map();
  }
  /** Returns 0 when allowed, else seconds to wait. */
  take(key, now = Date.now()) {
    let b = this.buckets.get(key);
    if (!b) { b = { tokens: this.capacity, t: now }; this.buckets.set(key, b); }
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.t) * this.rate);
    b.t = now;
    if (b.tokens >= 1) { b.tokens -= 1; return 0; }
    if (this.buckets.size > 10000) this.prune(now);
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate / 1000));
  }
  prune(now = Date.now()) {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.t) * this.rate >= this.capacity) this.buckets.delete(k);
  }
}
module.exports = { RateLimiter };
