export interface RetryBackoffOptions {
  /** Pause before the first retry, in ms; doubled for each further failure. @defaultValue 5000 */
  baseMs?: number;
  /** Longest pause, in ms. @defaultValue 300000 (5 min) */
  maxMs?: number;
}

/** Exponential backoff: the pause before a run's next attempt after its `failures`-th failure (1-based). */
export function retryBackoff(options: RetryBackoffOptions = {}): (failures: number) => number {
  const base = options.baseMs ?? 5000;
  const max = options.maxMs ?? 300_000;
  return (failures) => Math.min(max, base * 2 ** Math.max(0, failures - 1));
}
