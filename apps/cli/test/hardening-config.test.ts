import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.ts';
import { resolveDatabasePoolOptions } from '../src/database-pool-config.ts';
import { resolveEventStreamLimits } from '../src/event-stream-config.ts';
import { resolveMetricsOptions } from '../src/metrics-config.ts';
import { resolveRateLimit } from '../src/rate-limit-config.ts';

describe('the hardening settings from the environment', () => {
  it('leave every default in place when no variable is set', () => {
    expect(resolveDatabasePoolOptions({})).toEqual({});
    expect(resolveEventStreamLimits({})).toEqual({});
    expect(resolveMetricsOptions({})).toEqual({});
    expect(resolveRateLimit({}, undefined)).toEqual({ max: 1200, timeWindowMs: 60_000, maxFailedAuth: 30 });
  });

  it('read the database timeouts, the stream caps, the metrics token and the failed-authentication limit', () => {
    expect(
      resolveDatabasePoolOptions({
        DISTILLERY_DB_CONNECT_TIMEOUT_MS: '2000',
        DISTILLERY_DB_STATEMENT_TIMEOUT_MS: '10000',
        DISTILLERY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '20000',
      }),
    ).toEqual({ connectTimeoutMs: 2000, statementTimeoutMs: 10_000, idleInTransactionTimeoutMs: 20_000 });
    expect(
      resolveEventStreamLimits({
        DISTILLERY_MAX_STREAMS_PER_KEY: '4',
        DISTILLERY_MAX_STREAMS_PER_TEAM: '16',
        DISTILLERY_MAX_STREAMS: '100',
      }),
    ).toEqual({ maxStreamsPerKey: 4, maxStreamsPerTeam: 16, maxStreams: 100 });
    expect(
      resolveMetricsOptions({ DISTILLERY_METRICS_TOKEN: 'a-long-scrape-token', DISTILLERY_METRICS_REFRESH_MS: '5000' }),
    ).toEqual({ token: 'a-long-scrape-token', refreshMs: 5000 });
    expect(resolveRateLimit({ DISTILLERY_FAILED_AUTH_LIMIT: '5' }, undefined)).toMatchObject({ maxFailedAuth: 5 });
  });

  it('refuse a bad value naming the variable and the rule', () => {
    const bad: [() => unknown, string][] = [
      [
        () => resolveDatabasePoolOptions({ DISTILLERY_DB_CONNECT_TIMEOUT_MS: '0' }),
        "DISTILLERY_DB_CONNECT_TIMEOUT_MS must be an integer 100–600000, got '0'",
      ],
      [
        () => resolveEventStreamLimits({ DISTILLERY_MAX_STREAMS_PER_KEY: 'many' }),
        "DISTILLERY_MAX_STREAMS_PER_KEY must be an integer 1–100000, got 'many'",
      ],
      [
        () => resolveMetricsOptions({ DISTILLERY_METRICS_TOKEN: 'short' }),
        'DISTILLERY_METRICS_TOKEN must be at least 16 characters',
      ],
      [
        () => resolveRateLimit({ DISTILLERY_FAILED_AUTH_LIMIT: '0' }, undefined),
        "DISTILLERY_FAILED_AUTH_LIMIT must be an integer 1–1000000 (failed authentications per minute per address), got '0'",
      ],
    ];
    for (const [resolve, message] of bad) {
      expect(resolve).toThrow(ConfigError);
      expect(resolve).toThrow(message);
    }
  });
});
