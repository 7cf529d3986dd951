import { deleteCheckpointRecord, dueRuns, finishedRunCheckpoints, retryRun, staleRuns } from '@distillery/db';
import type { RunDispatch } from '@distillery/spec';
import { retryBackoff } from '../retry-backoff.ts';
import { RECONCILER_DEFAULTS, type ReconcilerOptions } from './reconciler-options.ts';

/** What one pass did. */
export interface ReconcileReport {
  /** Running runs whose worker stopped heart-beating, queued again (attempt + 1). */
  retried: number;
  /** Of those, runs that had used up their attempts and failed. */
  failed: number;
  /** Queued runs whose job Redis no longer held, put back. */
  requeued: number;
  /** Checkpoint files of finished runs deleted. */
  checkpointsDeleted: number;
}

/**
 * Repairs the queue from PostgreSQL, the source of truth. Each pass:
 * 1. runs `running` whose heartbeat is older than `staleAfterMs` lost their worker (killed, machine gone):
 *    they are queued again as attempt + 1 (resuming from their checkpoint), or failed after `maxAttempts`;
 * 2. runs `queued` whose job Redis no longer holds (restart, `FLUSHALL`, a crash between commit and enqueue)
 *    are enqueued again;
 * 3. checkpoints of finished runs are deleted.
 * Safe to run in every worker at once: each repair is a transition conditional on (state, attempt[, stale
 * heartbeat]) in PostgreSQL, and enqueueing is idempotent per run attempt.
 */
export class Reconciler {
  private readonly options: Required<Omit<ReconcilerOptions, 'checkpoints'>> & Pick<ReconcilerOptions, 'checkpoints'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(options: ReconcilerOptions) {
    this.options = {
      ...RECONCILER_DEFAULTS,
      backoff: retryBackoff(),
      onEvent: () => {},
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as unknown as typeof this.options;
    for (const name of ['intervalMs', 'staleAfterMs', 'queuedGraceMs'] as const) {
      const v = this.options[name];
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`ReconcilerOptions.${name} must be ≥ 0 ms, got ${v}`);
    }
    if (!Number.isInteger(this.options.maxAttempts) || this.options.maxAttempts < 1) {
      throw new RangeError(`ReconcilerOptions.maxAttempts must be an integer ≥ 1, got ${this.options.maxAttempts}`);
    }
  }

  /** Runs a first pass now (every queued run, no grace), then one every interval. */
  async start(): Promise<ReconcileReport> {
    const first = await this.pass({ queuedGraceMs: 0 });
    this.schedule();
    return first;
  }

  private schedule(): void {
    if (this.stopped) return;
    const jitter = 0.9 + Math.random() * 0.2;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((e: Error) => this.options.onEvent({ type: 'reconcile-failed', message: e.message }))
        .finally(() => this.schedule());
    }, this.options.intervalMs * jitter);
    this.timer.unref();
  }

  /** One pass; `queuedGraceMs` overrides the option (0 at start). */
  async pass(overrides: { queuedGraceMs?: number } = {}): Promise<ReconcileReport> {
    const { db, queue, checkpoints, onEvent } = this.options;
    const report: ReconcileReport = { retried: 0, failed: 0, requeued: 0, checkpointsDeleted: 0 };

    // Queued after the pass's retries, together: the members of a pack whose worker died are then all queued
    // when the first one's job is claimed, and resume as one pack again.
    const retried: RunDispatch[] = [];
    for (const stale of await staleRuns(db, this.options.staleAfterMs)) {
      const r = await retryRun(db, stale.runId, stale.attempt, {
        message: `worker ${stale.workerId ?? '?'} stopped heart-beating (silent for ${stale.silentForSecs.toFixed(0)} s)`,
        maxAttempts: this.options.maxAttempts,
        delayMs: this.options.backoff,
        staleForMs: this.options.staleAfterMs,
      });
      const lost = { type: 'worker-lost', runId: stale.runId, workerId: stale.workerId } as const;
      if (r.outcome === 'retried') {
        retried.push(r.job);
        report.retried++;
        onEvent({ ...lost, outcome: 'retried', nextAttempt: r.job.attempt });
      } else if (r.outcome === 'failed') {
        report.failed++;
        onEvent({ ...lost, outcome: 'failed', nextAttempt: null });
      }
    }

    await queue.enqueue(retried);

    const due = await dueRuns(db, { queuedForMs: overrides.queuedGraceMs ?? this.options.queuedGraceMs });
    const requeued = await queue.ensure(due);
    report.requeued = requeued.length;
    if (requeued.length > 0) onEvent({ type: 'runs-requeued', count: requeued.length });

    if (checkpoints) {
      for (const c of await finishedRunCheckpoints(db)) {
        await checkpoints.delete(c.runId);
        await deleteCheckpointRecord(db, c.runId);
        report.checkpointsDeleted++;
      }
    }
    return report;
  }

  /** Stops scheduling passes and waits for the current one. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
