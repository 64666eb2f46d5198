'use strict';
// Token bucket per (group, client key). In memory: limits reset on restart. The number of clients held
// is bounded (maxKeys): full buckets are pruned first, then the least recently seen clients are dropped,
// so a flood of distinct keys cannot grow the map without limit.
class RateLimiter {
  constructor(perMinute, { burst, maxKeys = 50000 } = {}) {
    this.rate = perMinute / 60000; // tokens per ms
    this.capacity = burst ?? perMinute;
    this.maxKeys = maxKeys;
    this.buckets = new Map(); // insertion order = least recently seen first
  }
  bucket(key, now) {
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // move to the most recent end
      b.tokens = Math.min(this.capacity, b.tokens + (now - b.t) * this.rate);
      b.t = now;
    } else {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      b = { tokens: this.capacity, t: now };
    }
    this.buckets.set(key, b);
    return b;
  }
  /** Returns 0 when allowed (and counts it), else seconds to wait. */
  take(key, now = Date.now()) {
    const b = this.bucket(key, now);
    if (b.tokens >= 1) { b.tokens -= 1; return 0; }
    return this.waitOf(b);
  }
  /** Seconds to wait if `key` has no token left now, else 0; takes nothing. */
  blocked(key, now = Date.now()) {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.capacity, b.tokens + (now - b.t) * this.rate);
    return tokens >= 1 ? 0 : this.waitOf({ tokens });
  }
  waitOf(b) { return Math.max(1, Math.ceil((1 - b.tokens) / this.rate / 1000)); }
  evict(now) {
    this.prune(now);
    // still full: drop the least recently seen tenth
    if (this.buckets.size >= this.maxKeys) {
      let n = Math.max(1, Math.floor(this.maxKeys / 10));
      for (const k of this.buckets.keys()) { this.buckets.delete(k); if (--n === 0) break; }
    }
  }
  prune(now = Date.now()) {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.t) * this.rate >= this.capacity) this.buckets.delete(k);
  }
}
module.exports = { RateLimiter };
