import type { SqlExecutor } from '../store/sql-executor.ts';

/** Where a training attempt is within its epochs: batch `batch` of `batches` of epoch `epoch` (1-based). */
export interface BatchProgress {
  attempt: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
}

/** The completed fraction of a run's epochs at `p`. */
export function batchProgressFraction(p: Omit<BatchProgress, 'attempt'>): number {
  if (p.epochs <= 0 || p.batches <= 0) return 0;
  return Math.min(1, Math.max(0, (p.epoch - 1 + p.batch / p.batches) / p.epochs));
}

/**
 * Stores where a running attempt is within its epoch: the run's `batch_progress`, and its `progress` moved
 * forward only (an epoch recorded meanwhile may already be further). A latest value, not history: no run_events
 * row (a run reporting every second would grow the events table by thousands of rows) and no NOTIFY (event
 * streams poll every second and read it then, see listBatchProgress). False when the run is no longer running
 * under `attempt` (nothing written).
 */
export async function recordBatchProgress(db: SqlExecutor, runId: string, p: BatchProgress): Promise<boolean> {
  const moved = await db.run`
    UPDATE runs SET progress = GREATEST(progress, ${batchProgressFraction(p)}),
                    batch_progress = ${JSON.stringify(p)}::jsonb, batch_progress_at = now()
    WHERE id = ${runId}::uuid AND attempt = ${p.attempt} AND state = 'running'`;
  return moved > 0;
}
