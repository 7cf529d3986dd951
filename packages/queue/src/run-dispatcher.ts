import type { RunDispatch, RunJob } from './run-job.ts';

/**
 * What the API, the workers and the reconciler need from the run queue. Two implementations: {@link RunQueue}
 * (BullMQ on Redis, for a team's workers on many machines) and {@link InProcessQueue} (the embedded mode: runs
 * execute in the process that queued them). PostgreSQL decides what runs; this only carries pointers to runs.
 */
export interface RunDispatcher {
  /** Puts one job per run attempt on the queue (a no-op for an attempt already waiting), ranked and delayed. */
  enqueue(runs: readonly RunDispatch[]): Promise<void>;
  /** Adds those of `runs` whose job the queue no longer holds; returns them. */
  ensure(runs: readonly RunDispatch[]): Promise<RunDispatch[]>;
  /** Withdraws these run attempts' waiting jobs (an executing one is left to its executor). */
  remove(jobs: readonly RunJob[]): Promise<void>;
  /** Tells whoever executes these runs that they were cancelled, so they stop within a batch. */
  announceCancelled(runIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Answers `/readyz`'s queue check: {@link RedisProbe} for Redis; the in-process queue is always there. */
export interface QueueProbe {
  /** Resolves when the queue's backend answers within `timeoutMs`; throws otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}
