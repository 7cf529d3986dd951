import type { Store } from '@distillery/db';
import type { QueueProbe, RunDispatcher } from '@distillery/queue';
import { checkDataRoots, type DataRoots, NO_DATA_ROOTS, type RunLimits } from '@distillery/spec';
import type { FastifyServerOptions } from 'fastify';
import type { ApiKeyCacheOptions } from './lib/api-key-cache.ts';
import type { DocumentParseThreadsOptions } from './lib/document-parse-threads.ts';
import type { EventStreamOptions } from './lib/event-stream-options.ts';
import { resolveRunLimits } from './lib/resolve-run-limits.ts';
import type { SweepDetailCacheOptions } from './lib/sweep-detail-cache.ts';
import type { MetricsOptions } from './plugins/metrics.ts';
import type { RateLimitOptions } from './plugins/rate-limit.ts';
import { DEFAULT_QUEUED_RUN_QUOTA, type QueuedRunQuotaOptions } from './services/check-queued-run-quota.ts';

/** What the API needs from its host: the process (CLI `serve`, tests) owns these and closes them. */
export interface ApiOptions {
  /** The team's results database: the source of truth for sweeps, runs and results. */
  db: Store;
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
   * The most time a client may take to send a whole request (headers and body), in ms; past it the server
   * answers 408 and closes the connection. Node checks it about once a second. A trickled body (a byte every
   * few seconds) would otherwise hold a connection for as long as the client likes.
   * @defaultValue 30_000
   */
  requestTimeoutMs?: number;
  /**
   * A connection with no bytes either way for this long is closed, in ms. It must stay above the event
   * streams' keep-alive interval (15 s by default), which keeps an idle stream open.
   * @defaultValue 60_000
   */
  connectionTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection waits for its next request, in ms.
   * @defaultValue 72_000 (Fastify's: above the 60 s idle timeout of common load balancers)
   */
  keepAliveTimeoutMs?: number;
  /**
   * YAML bodies and large JSON ones are parsed on worker threads under this budget.
   * @defaultValue DEFAULT_DOCUMENT_PARSE_THREADS
   */
  documentParse?: DocumentParseThreadsOptions;
  /**
   * Server-Sent Events (`GET /v1/runs/:id/events`, `/v1/sweeps/:id/events`): what wakes a stream when events
   * commit, and how often streams poll without it. @defaultValue {} (polling only)
   */
  events?: EventStreamOptions;
  /** `GET /metrics`: how often its gauges are refreshed, and its optional token. @defaultValue {} */
  metrics?: MetricsOptions;
  /**
   * Requests per API key, and failed authentications per client address, on `/v1`; over either, 429 with
   * `retry-after`. `false` turns limits off.
   * @defaultValue { max: 1200, timeWindowMs: 60_000, maxFailedAuth: 30 }, counted in this process
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * How long `/v1` trusts an API key it resolved before asking the database again, and how many it remembers. A
   * key revoked through this API stops at once; revoked by another process, within `ttlMs`. `{ ttlMs: 0 }` asks
   * on every request.
   * @defaultValue DEFAULT_API_KEY_CACHE ({ ttlMs: 5_000, maxEntries: 10_000 })
   */
  apiKeyCache?: ApiKeyCacheOptions;
  /**
   * How long `GET /v1/sweeps/:id` answers from memory (SweepDetailCache). Only with `events.source`: its
   * notifications drop a sweep's answer when its runs change; without one every request reads the database.
   * `{ maxAgeMs: 0 }` reads it every time regardless.
   * @defaultValue DEFAULT_SWEEP_DETAIL_CACHE ({ maxAgeMs: 1_000, maxEntries: 1_000 })
   */
  sweepDetailCache?: SweepDetailCacheOptions;
  /**
   * Where a sweep's `dataset.path` (idx, cifar10-bin) may resolve, symlinks included: the shared roots and the
   * submitting team's own folder; any other path answers 400 at submission. Give the workers the same roots.
   * @defaultValue NO_DATA_ROOTS (only the built-in data sets)
   */
  dataRoots?: DataRoots;
  /**
   * What one run may ask of a worker (parameters, weight bytes, activation memory per batch, data-set rows,
   * bytes and shape, classes, epochs × rows): a sweep with a run past any of them answers 400 naming the field.
   * Stated in `/docs`. @defaultValue the spec's DEFAULT_RUN_LIMITS (sized for a 24 GiB worker)
   */
  runLimits?: Partial<RunLimits>;
  /**
   * Runs a team may have waiting to start; a sweep that would pass it answers 429 with `retry-after`. `false`
   * turns the quota off. @defaultValue { maxQueuedRuns: 10_000, retryAfterSeconds: 60 }
   */
  queuedRunQuota?: QueuedRunQuotaOptions | false;
}

/** Options with every default resolved. */
export type ResolvedApiOptions = Required<Omit<ApiOptions, 'runLimits'>> & { runLimits: RunLimits };

export const DEFAULT_API_OPTIONS = {
  logger: false,
  bodyLimit: 1024 * 1024,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  rateLimit: { max: 1200, timeWindowMs: 60_000 },
  dataRoots: NO_DATA_ROOTS,
} as const satisfies Partial<ApiOptions>;

/** Resolves defaults once and rejects nonsense with a message naming the option and the rule. */
export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  const resolved: ResolvedApiOptions = {
    ...options,
    logger: options.logger ?? DEFAULT_API_OPTIONS.logger,
    bodyLimit: options.bodyLimit ?? DEFAULT_API_OPTIONS.bodyLimit,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_API_OPTIONS.requestTimeoutMs,
    connectionTimeoutMs: options.connectionTimeoutMs ?? DEFAULT_API_OPTIONS.connectionTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_API_OPTIONS.keepAliveTimeoutMs,
    documentParse: options.documentParse ?? {},
    runLimits: resolveRunLimits(options.runLimits),
    queuedRunQuota: options.queuedRunQuota ?? DEFAULT_QUEUED_RUN_QUOTA,
    events: options.events ?? {},
    metrics: options.metrics ?? {},
    rateLimit: options.rateLimit ?? DEFAULT_API_OPTIONS.rateLimit,
    apiKeyCache: options.apiKeyCache ?? {},
    sweepDetailCache: options.sweepDetailCache ?? {},
    dataRoots: checkDataRoots(options.dataRoots ?? DEFAULT_API_OPTIONS.dataRoots, 'ApiOptions.dataRoots'),
  };
  for (const name of ['db', 'queue', 'redisProbe'] as const) {
    if (resolved[name] == null) throw new TypeError(`ApiOptions.${name} is required`);
  }
  if (!Number.isSafeInteger(resolved.bodyLimit) || resolved.bodyLimit < 1) {
    throw new RangeError(`ApiOptions.bodyLimit must be a positive integer number of bytes, got ${resolved.bodyLimit}`);
  }
  for (const name of ['requestTimeoutMs', 'connectionTimeoutMs', 'keepAliveTimeoutMs'] as const) {
    const ms = resolved[name];
    if (!Number.isSafeInteger(ms) || ms < 1) {
      throw new RangeError(`ApiOptions.${name} must be a positive integer number of milliseconds, got ${ms}`);
    }
  }
  const quota = resolved.queuedRunQuota;
  if (quota !== false) {
    if (!Number.isSafeInteger(quota.maxQueuedRuns) || quota.maxQueuedRuns < 1) {
      throw new RangeError(
        `ApiOptions.queuedRunQuota.maxQueuedRuns must be a positive integer, got ${quota.maxQueuedRuns}`,
      );
    }
    const retry = quota.retryAfterSeconds;
    if (retry !== undefined && (!Number.isSafeInteger(retry) || retry < 1)) {
      throw new RangeError(`ApiOptions.queuedRunQuota.retryAfterSeconds must be a positive integer, got ${retry}`);
    }
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
