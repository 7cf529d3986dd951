import type { ApiOptions, buildApp } from '@distillery/api';
import { resolveQueuedRunQuota, resolveRunLimits } from '../run-limits-config.ts';
import type { Runtime } from './runtime.ts';

/**
 * The API over a runtime's store, queue and data roots, with the operator's run limits and queued-run quota
 * (`DISTILLERY_MAX_*`) — the same checks whichever command (`serve`, `run`, `run --dry-run`, `demo`) takes the
 * sweep. `options` adds to or replaces what the command needs beyond that (logging, streams, metrics, rate limits).
 * The API is imported on first use, so commands that never build it do not load it.
 */
export async function buildRuntimeApp(
  runtime: Runtime,
  options: Partial<ApiOptions> = {},
): ReturnType<typeof buildApp> {
  const api = await import('@distillery/api');
  return api.buildApp({
    db: runtime.db,
    queue: runtime.queue,
    redisProbe: runtime.probe,
    dataRoots: runtime.dataRoots,
    events: { source: runtime.events },
    runLimits: resolveRunLimits(process.env),
    queuedRunQuota: resolveQueuedRunQuota(process.env),
    ...options,
  });
}
