import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { RateLimitedError } from '../errors/http-errors.ts';

/** Requests per key per window; see ApiOptions.rateLimit. */
export interface RateLimitOptions {
  /** Requests allowed per key (per address, without a key) in each window. */
  max: number;
  /** The window, in milliseconds. @defaultValue 60_000 */
  timeWindowMs?: number;
  /**
   * Redis to count in, shared by every API process of a deployment; without it each process counts alone (in
   * memory). When Redis does not answer, requests pass rather than fail.
   */
  redisUrl?: string;
}

/** The limiter's identity for a request: the API key's hash (never the key itself), else the client address. */
function limitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header !== '') {
    return `key:${createHash('sha256').update(header.trim()).digest('base64url').slice(0, 22)}`;
  }
  return `ip:${request.ip}`;
}

/**
 * Per-key rate limits on the scope that registers it (`/v1`), checked before the key is looked up, so a flood
 * costs no database work: a request over the limit answers 429 RATE_LIMITED with `retry-after` (seconds) and
 * `x-ratelimit-*` headers.
 */
const limits: FastifyPluginAsync<RateLimitOptions> = async (app, options) => {
  const windowMs = options.timeWindowMs ?? 60_000;
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
  if (redis) {
    redis.on('error', (error) => app.log.warn({ err: error }, 'rate limiter cannot reach Redis; not limiting'));
    app.addHook('onClose', async () => void redis.disconnect());
    await redis.connect().catch(() => {});
  }
  await app.register(rateLimit, {
    global: false,
    max: options.max,
    timeWindow: windowMs,
    keyGenerator: limitKey,
    skipOnError: true,
    nameSpace: 'distillery-rate-limit:',
    ...(redis && { redis }),
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(context.max, context.after, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  app.addHook('onRequest', app.rateLimit());
};

export default fp(limits, { name: 'distillery-rate-limit', fastify: '5.x' });
