import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { RateLimitedError } from '../errors/http-errors.ts';
import { AuthFailureLimiter } from '../lib/auth-failure-limiter.ts';
import { BatchedRedisRateLimitStore } from '../lib/batched-redis-rate-limit-store.ts';

/** Requests per key per window; see ApiOptions.rateLimit. */
export interface RateLimitOptions {
  /** Requests allowed per API key in each window. */
  max: number;
  /** The window, in milliseconds. @defaultValue 60_000 */
  timeWindowMs?: number;
  /**
   * Failed authentications (no key, or an unknown, revoked or expired one) allowed per client address in each
   * window; past it the address gets 429 without its key being looked up. @defaultValue 30
   */
  maxFailedAuth?: number;
  /**
   * Redis to count in, shared by every API process of a deployment; without it each process counts alone (in
   * memory). A key's requests well under its limit are sent in batches rather than one round trip each
   * (BatchedRedisRateLimitStore). When Redis does not answer, requests pass rather than fail.
   */
  redisUrl?: string;
}

export const RATE_LIMIT_DEFAULTS = { timeWindowMs: 60_000, maxFailedAuth: 30 } as const;

/** Where the per-key counts live in Redis (the same keys as @fastify/rate-limit's own Redis store under this prefix). */
const REDIS_PREFIX = 'distillery-rate-limit:';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts failed authentications per client address (see AuthFailureLimiter); the auth hook asks it first. */
    authFailures: AuthFailureLimiter;
  }
}

/**
 * The limiter's identity for a request: the authenticated key's id. However the client spells the header
 * (`bearer`, `BEARER`, extra spaces or a tab), one key is one bucket.
 */
function limitKey(request: FastifyRequest): string {
  return request.team === null ? `ip:${request.ip}` : `key:${request.team.apiKeyId}`;
}

/**
 * Rate limits on the scope that registers it (`/v1`), in two parts. Failed authentications are counted per
 * client address ({@link AuthFailureLimiter}, `app.authFailures`, asked by the auth hook before the key is
 * looked up). Requests are counted per authenticated key by the hook `app.rateLimit()`, which the scope adds
 * after its auth hook: over the limit, 429 RATE_LIMITED with `retry-after` (seconds) and `x-ratelimit-*`.
 */
const limits: FastifyPluginAsync<RateLimitOptions> = async (app, options) => {
  const windowMs = options.timeWindowMs ?? RATE_LIMIT_DEFAULTS.timeWindowMs;
  // No offline queue: while Redis is away a count fails at once (and the request passes) instead of waiting.
  const redis =
    options.redisUrl === undefined
      ? undefined
      : new Redis(options.redisUrl, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: true,
          connectTimeout: 2000,
        });
  // The plugin builds its store from a class: this one counts on our connection, batching requests well under a
  // key's limit instead of a Redis round trip per request, and sends what it holds before the connection closes.
  let store: BatchedRedisRateLimitStore | undefined;
  let Store: (new () => BatchedRedisRateLimitStore) | undefined;
  if (redis) {
    const connection = redis;
    Store = class extends BatchedRedisRateLimitStore {
      constructor() {
        super({ redis: connection, prefix: REDIS_PREFIX });
        store = this;
      }
    };
    redis.on('error', (error) => app.log.warn({ err: error }, 'rate limiter cannot reach Redis; not limiting'));
    app.addHook('onClose', async () => {
      await store?.close();
      redis.disconnect();
    });
    await redis.connect().catch(() => {});
  }
  app.decorate(
    'authFailures',
    new AuthFailureLimiter({ max: options.maxFailedAuth ?? RATE_LIMIT_DEFAULTS.maxFailedAuth, windowMs, redis }),
  );
  await app.register(rateLimit, {
    global: false,
    max: options.max,
    timeWindow: windowMs,
    keyGenerator: limitKey,
    skipOnError: true,
    ...(Store && { store: Store }),
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(
        `rate limit of ${context.max} requests per ${context.after}`,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      ),
  });
};

export default fp(limits, { name: 'distillery-rate-limit', fastify: '5.x' });
