import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The lowest scheduling priority a process can take: nice 19 (0 is the normal one). */
export const MAX_NICE = 19;

/**
 * The nice value `distillery worker` trains at unless told otherwise. Training takes every core it is given for
 * as long as it runs; at nice 10 it still gets every cycle nothing else wants, but the API, PostgreSQL and Redis on
 * the same machine are scheduled first when they wake, so a request is not kept waiting behind a training step.
 * On a machine of its own a worker loses nothing by it.
 */
export const DEFAULT_WORKER_NICE = 10;

/**
 * Lowers this process's scheduling priority to the nice value `nice` (0–19). A thread already at `nice` or lower
 * stays as it is: raising a priority back takes privileges a worker should not need. Linux keeps a nice value per thread, so every thread running now is set (those of
 * /proc/self/task), and the threads started later (training threads, libuv's pool) inherit it from the thread
 * that starts them; elsewhere the value is the process's.
 */
export function lowerProcessPriority(nice: number): void {
  if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) {
    throw new RangeError(`nice must be an integer 0–${MAX_NICE}, got ${nice}`);
  }
  if (process.platform === 'linux') {
    for (const task of readdirSync('/proc/self/task')) {
      const tid = Number(task);
      try {
        if (getPriority(tid) < nice) setPriority(tid, nice);
      } catch {
        // The thread ended between the listing and the call.
      }
    }
  } else if (getPriority(0) < nice) {
    setPriority(0, nice);
  }
}
