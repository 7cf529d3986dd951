import { MAX_PACK_MAX } from '@distillery/spec';
import { ConfigError } from './config-error.ts';
import { MAX_EXECUTOR_THREADS } from './execution-flags.ts';

/**
 * The workflow settings of workers and reconcilers, from the environment (README's table). Each is optional;
 * an unset one keeps the worker's documented default.
 */
export interface WorkflowConfig {
  /** env DISTILLERY_ARTIFACT_DIR: where every worker reads and writes checkpoints. @defaultValue .distillery/artifacts */
  artifactDir?: string;
  /** env DISTILLERY_MAX_ATTEMPTS: failed attempts before a run fails for good. @defaultValue 3 */
  maxAttempts?: number;
  /** env DISTILLERY_RETRY_BACKOFF_MS: first retry's pause, doubled per failure. @defaultValue 5000 */
  retryBackoffMs?: number;
  /** env DISTILLERY_HEARTBEAT_INTERVAL_MS. @defaultValue 5000 */
  heartbeatIntervalMs?: number;
  /** env DISTILLERY_STALE_AFTER_MS: heartbeat age at which a run's worker counts as lost. @defaultValue 60000 */
  staleAfterMs?: number;
  /** env DISTILLERY_RECONCILE_INTERVAL_MS. @defaultValue 5000 */
  reconcileIntervalMs?: number;
  /** env DISTILLERY_SHUTDOWN_TIMEOUT_MS: the bound on a worker's exit after SIGTERM. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /**
   * env DISTILLERY_PACK_MAX: runs a worker trains together as one pack at most (students of one teacher with
   * equal pack keys); 1 trains every run alone. @defaultValue 8
   */
  packMax?: number;
  /**
   * env DISTILLERY_THREADS: runs a worker (or the embedded executor) trains at once, one per worker thread.
   * @defaultValue os.availableParallelism()
   */
  threads?: number;
  /** env DISTILLERY_DATASET_CACHE_BYTES: bound of a worker's data-set cache. @defaultValue 1073741824 (1 GiB) */
  datasetCacheBytes?: number;
}

const NUMBERS = {
  maxAttempts: ['DISTILLERY_MAX_ATTEMPTS', 1, 100],
  retryBackoffMs: ['DISTILLERY_RETRY_BACKOFF_MS', 0, 3_600_000],
  heartbeatIntervalMs: ['DISTILLERY_HEARTBEAT_INTERVAL_MS', 10, 600_000],
  staleAfterMs: ['DISTILLERY_STALE_AFTER_MS', 100, 86_400_000],
  reconcileIntervalMs: ['DISTILLERY_RECONCILE_INTERVAL_MS', 10, 3_600_000],
  shutdownTimeoutMs: ['DISTILLERY_SHUTDOWN_TIMEOUT_MS', 100, 3_600_000],
  datasetCacheBytes: ['DISTILLERY_DATASET_CACHE_BYTES', 0, 2 ** 40],
  packMax: ['DISTILLERY_PACK_MAX', 1, MAX_PACK_MAX],
  threads: ['DISTILLERY_THREADS', 1, MAX_EXECUTOR_THREADS],
} as const;

/** Reads and checks the workflow variables, naming the variable and the rule on a bad value. */
export function loadWorkflowConfig(env: NodeJS.ProcessEnv = process.env): WorkflowConfig {
  const config: WorkflowConfig = {};
  if (env.DISTILLERY_ARTIFACT_DIR) config.artifactDir = env.DISTILLERY_ARTIFACT_DIR;
  for (const [key, [name, min, max]] of Object.entries(NUMBERS) as [
    keyof typeof NUMBERS,
    (typeof NUMBERS)[keyof typeof NUMBERS],
  ][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be an integer ${min}–${max}, got '${raw}'`);
    }
    config[key] = value;
  }
  return config;
}
