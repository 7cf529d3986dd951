import { isTransientDatabaseError } from '../transient/is-transient-error.ts';

/**
 * Runs `attempt` up to `tries` times while it fails transiently (`isTransientDatabaseError`), with jittered
 * exponential back-off (about 20, 40, 80 ms…) so transactions that deadlocked on each other do not meet again.
 */
export async function retryTransient<T>(tries: number, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= tries || !isTransientDatabaseError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** n * (0.5 + Math.random())));
    }
  }
}
