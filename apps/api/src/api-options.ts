import type { PrismaClient } from '@distillery/db';
import type { QueueProbe, RunDispatcher } from '@distillery/queue';
import type { FastifyServerOptions } from 'fastify';
import type { EventStreamOptions } from './lib/event-stream-options.ts';
import type { RateLimitOptions } from './plugins/rate-limit.ts';

/** What the API needs from its host: the process (CLI `serve`, tests) owns these and closes them. */
export interface ApiOptions {
  /** The team's results database: the source of truth for sweeps, runs and results. */
  db: PrismaClient;
  /** Where queued runs go: BullMQ for the workers (RunQueue), or the embedded mode's InProcessQueue. */
  queue: RunDispatcher;
  /**
   * Answers `/readyz`'s "is the queue reachable?": a RedisProbe, separate from the queue, whose connection waits
   * forever; the InProcessQueue itself in the embedded mode.
   */
  redisProbe: QueueProbe;
  /**
   * Fastify's logger: `false` for none, `true` for pino at info level, or pino options.
   * @defaultValue false
   */
  logger?: FastifyServerOptions['logger'];
  /**
   * Largest request body accepted, in bytes; a larger one answers 413.
   * @defaultValue 1_048_576 (1 MiB)
   */
  bodyLimit?: number;
  /**
   * Server-Sent Events (`GET /v1/runs/:id/events`, `/v1/sweeps/:id/events`): what wakes a stream when events
   * commit, and how often streams poll without it. @defaultValue {} (polling only)
   */
  events?: EventStreamOptions;
  /**
   * Requests per API key, and failed authentications per client address, on `/v1`; over either, 429 with
   * `retry-after`. `false` turns limits off.
   * @defaultValue { max: 1200, timeWindowMs: 60_000, maxFailedAuth: 30 }, counted in this process
   */
  rateLimit?: RateLimitOptions | false;
}

/** Options with every default resolved. */
export type ResolvedApiOptions = Required<ApiOptions>;

export const DEFAULT_API_OPTIONS = {
  logger: false,
  bodyLimit: 1024 * 1024,
  rateLimit: { max: 1200, timeWindowMs: 60_000 },
} as const satisfies Partial<ApiOptions>;

/** Resolves defaults once and rejects nonsense with a message naming the option and the rule. */
export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  const resolved: ResolvedApiOptions = {
    ...options,
    logger: options.logger ?? DEFAULT_API_OPTIONS.logger,
    bodyLimit: options.bodyLimit ?? DEFAULT_API_OPTIONS.bodyLimit,
    events: options.events ?? {},
    rateLimit: options.rateLimit ?? DEFAULT_API_OPTIONS.rateLimit,
  };
  for (const name of ['db', 'queue', 'redisProbe'] as const) {
    if (resolved[name] == null) throw new TypeError(`ApiOptions.${name} is required`);
  }
  if (!Number.isSafeInteger(resolved.bodyLimit) || resolved.bodyLimit < 1) {
    throw new RangeError(`ApiOptions.bodyLimit must be a positive integer number of bytes, got ${resolved.bodyLimit}`);
  }
  const limit = resolved.rateLimit;
  if (limit !== false) {
    if (!Number.isSafeInteger(limit.max) || limit.max < 1) {
      throw new RangeError(`ApiOptions.rateLimit.max must be a positive integer, got ${limit.max}`);
    }
    if (limit.maxFailedAuth !== undefined && (!Number.isSafeInteger(limit.maxFailedAuth) || limit.maxFailedAuth < 1)) {
      throw new RangeError(`ApiOptions.rateLimit.maxFailedAuth must be a positive integer, got ${limit.maxFailedAuth}`);
    }
    if (limit.timeWindowMs !== undefined && (!Number.isSafeInteger(limit.timeWindowMs) || limit.timeWindowMs < 1)) {
      throw new RangeError(`ApiOptions.rateLimit.timeWindowMs must be a positive integer, got ${limit.timeWindowMs}`);
    }
  }
  return resolved;
}
