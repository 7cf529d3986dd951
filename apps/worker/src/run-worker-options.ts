import { DEFAULT_QUEUE_PREFIX } from '@distillery/queue';
import { type Resolved, type RunExecutorOptions, resolveExecutorOptions } from './executor/run-executor-options.ts';

/** A BullMQ worker's options: the executor's, and where its queue is. */
export interface RunWorkerOptions extends RunExecutorOptions {
  redisUrl: string;
  /** Queue key prefix; must match the API's. @defaultValue 'distillery' */
  prefix?: string;
  /**
   * How long a job's lock lives without renewal before BullMQ hands it to another worker. Training runs on
   * the training threads, so the main thread renews locks on time; this stays generous for a main thread busy
   * loading a large data set, and a dead worker's runs are found sooner through their heartbeats (`staleAfterMs`). @defaultValue 120000 ms
   */
  lockDurationMs?: number;
}

export const RUN_WORKER_DEFAULTS = { prefix: DEFAULT_QUEUE_PREFIX, lockDurationMs: 120_000 } as const;

export type ResolvedRunWorkerOptions = Resolved<RunWorkerOptions> &
  Required<Pick<RunWorkerOptions, 'prefix' | 'lockDurationMs'>>;

/** Defaults resolved once; nonsense rejected with the option's name and the rule. */
export function resolveRunWorkerOptions(options: RunWorkerOptions): ResolvedRunWorkerOptions {
  return resolveExecutorOptions('RunWorkerOptions', options, RUN_WORKER_DEFAULTS, [
    'lockDurationMs',
  ]) as ResolvedRunWorkerOptions;
}
