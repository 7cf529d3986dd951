/**
import type { RunEventSource } from './run-event-listener.ts';
 * Who follows which sweep's events, for a {@link RunEventSource}: each notification on the runs' channel
 * carries a sweep id and wakes that sweep's subscribers.
 */
export class SweepSubscribers {
  private readonly bySweep = new Map<string, Set<() => void>>();

  /** Adds `onEvents` to the sweep's subscribers; the answer removes it (and the sweep once it has none left). */
  subscribe(sweepId: string, onEvents: () => void): () => void {
    let set = this.bySweep.get(sweepId);
    if (!set) {
      set = new Set();
      this.bySweep.set(sweepId, set);
    }
    set.add(onEvents);
    return () => {
      set.delete(onEvents);
      if (set.size === 0) this.bySweep.delete(sweepId);
    };
  }

  /** Runs every subscriber of the sweep. */
  wake(sweepId: string): void {
    for (const onEvents of this.bySweep.get(sweepId) ?? []) onEvents();
  }

  /** Runs every subscriber of every sweep: notifications may have been missed (a reconnect). */
  wakeAll(): void {
    for (const set of [...this.bySweep.values()]) for (const onEvents of [...set]) onEvents();
  }
}
