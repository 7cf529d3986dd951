/**
 * The most of its time a sweep watcher spends reading: after a read that took `readMs`, it waits at least
 * nine times as long. On the embedded store the reads share one database session with the executor that runs
 * the sweep, so a large sweep (or a loaded machine) slows the view, not the sweep.
 */
export const WATCH_READ_SHARE = 0.1;

/** The pause before a watcher's next read: `intervalMs`, or longer after a slow read (see WATCH_READ_SHARE). */
export function watchPause(intervalMs: number, readMs: number): number {
  return Math.max(intervalMs, (readMs * (1 - WATCH_READ_SHARE)) / WATCH_READ_SHARE);
}
