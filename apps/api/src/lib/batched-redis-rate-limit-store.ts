import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The store's script (defined by the store on its connection): adds n, starts the window; [count, ttl ms]. */
    distilleryRateLimitIncrement(key: string, n: number, windowMs: number): Result<[number, number], Context>;
  }
}

/** How a {@link BatchedRedisRateLimitStore} batches. */
export interface BatchedRedisRateLimitStoreOptions {
  /** Counted in, shared by every API process of a deployment. */
  redis: Redis;
  /** Prefixed to every key in Redis. */
  prefix: string;
  /**
   * The longest a request counted here waits before it is sent to Redis, in ms (the requests of that time go in
   * one round trip). @defaultValue 50
   */
  flushMs?: number;
  /**
   * The share of a key's limit past which every request is counted in Redis before it is answered, so that the
   * limit is met exactly where it matters. @defaultValue 0.9
   */
  exactFrom?: number;
}

const BATCHED_RATE_LIMIT_DEFAULTS = { flushMs: 50, exactFrom: 0.9 } as const;

/** What @fastify/rate-limit's stores answer: the requests counted in the key's window, and the window's time left. */
interface Count {
  current: number;
  ttl: number;
}
type Callback = (error: Error | null, count?: Count) => void;

/** A key's window as this process knows it. */
interface Window {
  /** The count Redis last returned (every process's requests sent by then). */
  known: number;
  /** Requests sent to Redis and not yet answered. */
  sending: number;
  /** Requests counted here and not yet sent. */
  pending: number;
  /** When the window ends, by this process's clock (ms since the epoch). */
  endsAt: number;
  /** The window's length the plugin gave, in ms: the next one's too, if Redis starts it on a batch of this key. */
  windowMs: number;
}

/**
 * Adds `n` to a key's count and starts its window if the key is new (or its window ended); answers the count and
 * the window's time left. One script, so two processes starting a key's window at once start one window.
 */
const INCREMENT = `
  local count = redis.call('INCRBY', KEYS[1], ARGV[1])
  if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {count, ttl}
`;

/** The connections the script is defined on. */
const SCRIPTED = new WeakSet<Redis>();

/**
 * A store for @fastify/rate-limit that counts each key's requests in fixed windows in Redis, shared by every API
 * process, without a Redis round trip per request. A key's first request in a window, and every request once the
 * key is past `exactFrom` of its limit, is counted in Redis before it is answered. The requests in between are
 * answered from here — the count Redis last returned plus the requests counted here since — and sent to Redis
 * together within `flushMs`, which also brings the other processes' requests into the count.
 *
 * So one process enforces the limit exactly; with several, a key may get past its limit by what the others
 * counted and had not yet sent (their requests of the last `flushMs`). When Redis does not answer, a request counted
 * in Redis fails (and the plugin, with skipOnError, lets it pass) and a batch that could not be sent is dropped:
 * requests pass rather than fail while Redis is away.
 */
export class BatchedRedisRateLimitStore implements FastifyRateLimitStore {
  private readonly redis: Redis;
  private readonly options: Required<Omit<BatchedRedisRateLimitStoreOptions, 'redis'>>;
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: BatchedRedisRateLimitStoreOptions) {
    const { redis, ...rest } = options;
    this.options = { ...BATCHED_RATE_LIMIT_DEFAULTS, ...rest };
    this.redis = redis;
    // Once per connection: every store on it (a route's child) shares the script.
    if (!SCRIPTED.has(redis)) {
      SCRIPTED.add(redis);
      redis.defineCommand('distilleryRateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT });
    }
  }

  /** Counts one request of `key` (@fastify/rate-limit's store interface). */
  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window !== undefined && window.endsAt <= now && window.sending === 0) {
      this.windows.delete(key);
      window = undefined;
    }
    const counted = window === undefined ? 0 : window.known + window.sending + window.pending;
    if (window !== undefined && window.endsAt > now && counted + 1 <= this.options.exactFrom * max) {
      window.pending++;
      this.scheduleFlush();
      callback(null, { current: counted + 1, ttl: window.endsAt - now });
      return;
    }
    // Counted in Redis before it is answered, with this key's requests not yet sent.
    if (window === undefined) {
      window = { known: 0, sending: 0, pending: 0, endsAt: now + timeWindow, windowMs: timeWindow };
      this.windows.set(key, window);
    }
    this.send(key, window, window.pending + 1).then(
      (count) => callback(null, count),
      (error: Error) => callback(error),
    );
  }

  /** A store for a route of its own: the same Redis and batching, its keys apart (the store interface). */
  child(routeOptions: object): BatchedRedisRateLimitStore {
    // The plugin passes the route's merged options with the route under `routeInfo` (its types say otherwise).
    const { method = '', url = '' } =
      (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo ?? {};
    return new BatchedRedisRateLimitStore({
      ...this.options,
      redis: this.redis,
      prefix: `${this.options.prefix}${method}${url}-`,
    });
  }

  /** Sends what is counted here and not yet sent, and stops the timer (the app is closing). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Sends the window's pending requests and `n` − pending more, and takes Redis's count of the key. */
  private async send(key: string, window: Window, n: number): Promise<Count> {
    window.pending = 0;
    window.sending += n;
    try {
      const [count, ttl] = await this.redis.distilleryRateLimitIncrement(this.options.prefix + key, n, window.windowMs);
      // Replies on one connection come in the order sent, so the last one holds every count sent before it.
      window.known = count;
      window.endsAt = Date.now() + ttl;
      return { current: count, ttl };
    } finally {
      window.sending -= n;
    }
  }

  private scheduleFlush(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.flushMs);
    this.timer.unref();
  }

  /** Sends every key's pending requests (back to back, none waiting for another's reply), and forgets ended windows. */
  private async flush(): Promise<void> {
    const now = Date.now();
    const sends: Promise<unknown>[] = [];
    for (const [key, window] of this.windows) {
      if (window.pending > 0) sends.push(this.send(key, window, window.pending).catch(() => {}));
      else if (window.endsAt <= now && window.sending === 0) this.windows.delete(key);
    }
    await Promise.all(sends);
  }
}
