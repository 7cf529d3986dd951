export interface RunQueueOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /**
   * Key prefix in Redis: deployments (and test suites) that share a Redis stay apart by prefix.
   * @defaultValue 'distillery'
   */
  prefix?: string;
}

export const DEFAULT_QUEUE_PREFIX = 'distillery';
/** One queue carries every run kind; a run's kind is in the database, the job only names the run. */
export const RUN_QUEUE_NAME = 'runs';
