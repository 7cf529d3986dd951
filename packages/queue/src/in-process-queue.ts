import { IN_PROCESS_QUEUE_DEFAULTS, type InProcessQueueOptions } from './in-process-queue-options.ts';
import { jobPriority } from './job-priority.ts';
import type { QueueProbe, RunDispatcher } from './run-dispatcher.ts';
import { type RunDispatch, type RunJob, runJobId } from './run-job.ts';

/** Executes one job; what it returns is ignored (the run's outcome is in the database). */
export type InProcessHandler = (job: RunJob) => Promise<unknown>;

interface Waiting {
  job: RunJob;
  priority: number;
  /** Not before this time (epoch ms). */
  due: number;
  /** Arrival order: ties in priority go first in, first out, as in BullMQ. */
  order: number;
}

/**
 * The run queue of the embedded mode: the same {@link RunDispatcher} contract as BullMQ's RunQueue, held in
 * memory and drained in this process by one handler (the worker's `executeJob`). Jobs start in BullMQ's order
 * — lowest {@link jobPriority} first, then first in — once their `notBefore` has passed; the same run attempt
 * is never waiting or executing twice. Nothing here survives the process: PostgreSQL does, and whoever starts
 * the queue enqueues the runs the database says are queued (the reconciler's job on a server).
 */
export class InProcessQueue implements RunDispatcher, QueueProbe {
  private readonly options: Required<Omit<InProcessQueueOptions, 'onError'>> & Pick<InProcessQueueOptions, 'onError'>;
  private readonly waiting = new Map<string, Waiting>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly cancelListeners = new Set<(runId: string) => void>();
  private readonly idleWaiters = new Set<() => void>();
  private handler: InProcessHandler | undefined;
  private timer: NodeJS.Timeout | undefined;
  private order = 0;
  private closed = false;

  constructor(options: InProcessQueueOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...IN_PROCESS_QUEUE_DEFAULTS, ...defined };
    const { concurrency } = this.options;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`InProcessQueueOptions.concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  /** Starts executing jobs with `handler` (jobs enqueued before wait until then). */
  process(handler: InProcessHandler): void {
    this.handler = handler;
    this.pump();
  }

  async enqueue(runs: readonly RunDispatch[]): Promise<void> {
    if (this.closed) return;
    for (const run of runs) {
      const id = runJobId(run);
      if (this.waiting.has(id) || this.active.has(id)) continue;
      this.waiting.set(id, {
        job: { runId: run.runId, attempt: run.attempt },
        priority: jobPriority(run),
        due: run.notBefore ? run.notBefore.getTime() : 0,
        order: this.order++,
      });
    }
    this.pump();
  }

  async ensure(runs: readonly RunDispatch[]): Promise<RunDispatch[]> {
    const missing = runs.filter((r) => !this.waiting.has(runJobId(r)) && !this.active.has(runJobId(r)));
    await this.enqueue(missing);
    return missing;
  }

  async remove(jobs: readonly RunJob[]): Promise<void> {
    for (const job of jobs) this.waiting.delete(runJobId(job));
    this.notifyIfIdle();
  }

  async announceCancelled(runIds: readonly string[]): Promise<void> {
    for (const runId of runIds) for (const listener of this.cancelListeners) listener(runId);
  }

  /** Calls `listener` with each run id {@link announceCancelled} names; returns the unsubscribe function. */
  onCancelled(listener: (runId: string) => void): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  /** The queue is in this process: it answers as long as it is open. */
  async ping(): Promise<void> {
    if (this.closed) throw new Error('the in-process run queue is closed');
  }

  /** Jobs waiting (due or not) and executing. */
  get size(): { waiting: number; active: number } {
    return { waiting: this.waiting.size, active: this.active.size };
  }

  /** Resolves when no job is waiting or executing (at once if none is). */
  idle(): Promise<void> {
    if (this.waiting.size === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /** Stops starting jobs, drops the waiting ones and waits for the executing ones to return. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.waiting.clear();
    await Promise.all(this.active.values());
    this.notifyIfIdle();
  }

  /** Starts due jobs up to the concurrency, and sets a timer for the next job that is not due yet. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const handler = this.handler;
    if (!handler || this.closed) return;
    const now = Date.now();
    while (this.active.size < this.options.concurrency) {
      let next: [string, Waiting] | undefined;
      for (const entry of this.waiting) {
        const w = entry[1];
        if (w.due > now) continue;
        if (!next || w.priority < next[1].priority || (w.priority === next[1].priority && w.order < next[1].order)) {
          next = entry;
        }
      }
      if (!next) break;
      const [id, { job }] = next;
      this.waiting.delete(id);
      this.active.set(id, this.run(id, job, handler));
    }
    if (this.active.size < this.options.concurrency && this.waiting.size > 0) {
      const due = Math.min(...[...this.waiting.values()].map((w) => w.due));
      this.timer = setTimeout(() => this.pump(), Math.max(0, due - now));
    }
    this.notifyIfIdle();
  }

  private async run(id: string, job: RunJob, handler: InProcessHandler): Promise<void> {
    // A macrotask first: the job starts after the enqueue that added it has returned (as with Redis).
    await new Promise((resolve) => setImmediate(resolve));
    try {
      if (!this.closed) await handler(job);
    } catch (error) {
      this.options.onError?.(error, job);
    } finally {
      this.active.delete(id);
      this.pump();
    }
  }

  private notifyIfIdle(): void {
    if (this.waiting.size > 0 || this.active.size > 0) return;
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters.clear();
  }
}
