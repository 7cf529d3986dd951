import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface AuthFailureLimiterOptions {
  /** Failed authentications allowed per client address in each window; the next attempt answers 429. */
  max: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /**
   * Where to count, shared by every API process of a deployment; without it, in this process. When Redis does
   * not answer, attempts pass (and are not counted) rather than fail.
   */
  redis?: Redis | undefined;
}

/** Addresses remembered in memory at most; past it the oldest windows are forgotten first. */
const MAX_ADDRESSES = 100_000;
/** Keys remembered as recently valid at most (least recently used forgotten first). */
const MAX_VALID_KEYS = 10_000;
const REDIS_PREFIX = 'distillery-auth-failures:';

/**
 * Counts failed authentications (no key, or an unknown, revoked or expired one) per client address in fixed
 * windows. The API asks it before looking a key up, so guessing keys, or a client stuck on a revoked one, stops
 * costing a database lookup per request once the address is over its limit.
 *
 * One address may be many clients (a NAT, a proxy): so that one of them guessing keys does not lock the others
 * out, a key this process recently found valid is still looked up (and so still checked for revocation and
 * expiry) from a blocked address. Only the key's hash is kept.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly valid = new Set<string>();

  constructor(readonly options: AuthFailureLimiterOptions) {}

  /** Seconds until `address` may try again (at least 1), or 0 when it may now. */
  async blockedFor(address: string, now = Date.now()): Promise<number> {
    const { redis, max } = this.options;
    if (redis) {
      const replies = await redis
        .multi()
        .get(REDIS_PREFIX + address)
        .pttl(REDIS_PREFIX + address)
        .exec()
        .catch(() => null);
      const count = Number(replies?.[0]?.[1] ?? 0);
      const ttl = Number(replies?.[1]?.[1] ?? 0);
      return count >= max && ttl > 0 ? Math.max(1, Math.ceil(ttl / 1000)) : 0;
    }
    const window = this.windows.get(address);
    if (window === undefined || window.resetAt <= now || window.count < max) return 0;
    return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
  }

  /** Counts one failed authentication from `address` (with `key`, which is then no longer recently valid). */
  async record(address: string, key?: string, now = Date.now()): Promise<void> {
    if (key !== undefined) this.valid.delete(hashOf(key));
    const { redis, windowMs } = this.options;
    if (redis) {
      // SET NX starts the window with its expiry; INCR keeps the expiry.
      await redis
        .multi()
        .set(REDIS_PREFIX + address, 0, 'PX', windowMs, 'NX')
        .incr(REDIS_PREFIX + address)
        .exec()
        .catch(() => {});
      return;
    }
    const window = this.windows.get(address);
    if (window !== undefined && window.resetAt > now) {
      window.count++;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= MAX_ADDRESSES) this.forget(now);
    this.windows.set(address, { count: 1, resetAt: now + windowMs });
  }

  /** Remembers that `key` authenticated just now. */
  rememberValid(key: string): void {
    const hash = hashOf(key);
    this.valid.delete(hash);
    this.valid.add(hash);
    if (this.valid.size > MAX_VALID_KEYS) this.valid.delete(this.valid.values().next().value as string);
  }

  /** Whether `key` authenticated recently in this process (it is looked up even from a blocked address). */
  recentlyValid(key: string): boolean {
    return this.valid.has(hashOf(key));
  }

  /** Drops ended windows, then the oldest, so memory stays bounded however many addresses try. */
  private forget(now: number): void {
    for (const [address, window] of this.windows) if (window.resetAt <= now) this.windows.delete(address);
    for (const address of this.windows.keys()) {
      if (this.windows.size < MAX_ADDRESSES) break;
      this.windows.delete(address);
    }
  }
}

function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
