import type { ExecutorEvent, ExecutorEventOf, ExecutorEventType, ExecutorListener } from './executor-event.ts';

/** One handler per event type, as `ExecutorEvents.on` takes them. */
export type RunExecutorListener = { [T in ExecutorEventType]: (event: ExecutorEventOf<T>) => void };

/**
 * The typed events of a run executor: `on(type, fn)` for one type, `onEvery(fn)` for all of them (a log).
 * A listener that throws is not the executor's problem: the error is swallowed so a run's transitions go on.
 */
export class ExecutorEvents {
  private readonly every = new Set<ExecutorListener>();
  private readonly byType = new Map<ExecutorEventType, Set<(event: never) => void>>();

  on<T extends ExecutorEventType>(type: T, listener: RunExecutorListener[T]): () => void {
    const set = this.byType.get(type) ?? new Set();
    this.byType.set(type, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  onEvery(listener: ExecutorListener): () => void {
    this.every.add(listener);
    return () => this.every.delete(listener);
  }

  emit(event: ExecutorEvent): void {
    for (const listener of this.every) call(listener, event);
    for (const listener of this.byType.get(event.type) ?? []) call(listener as ExecutorListener, event);
  }
}

function call(listener: ExecutorListener, event: ExecutorEvent): void {
  try {
    listener(event);
  } catch {
    // A log or a view failing must not fail the run whose transition it reports.
  }
}
