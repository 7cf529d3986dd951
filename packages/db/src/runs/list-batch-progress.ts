import type { SqlExecutor } from '../store/sql-executor.ts';
import type { BatchProgress } from './record-batch-progress.ts';

/** A running run's latest progress within its epoch, and when it was reported. */
export interface StoredBatchProgress {
  runId: string;
  progress: BatchProgress;
  at: Date;
}

export interface ListBatchProgressQuery {
  /** The sweep's running runs, its own and those it reuses from another sweep. */
  sweepId: string;
  /** Only this run. */
  runId?: string;
  /** Reported after this instant (exclusive); every report when absent. */
  since?: Date;
}

/** The latest batch progress of a sweep's (or one run's) running runs reported after `since`, oldest first. */
export async function listBatchProgress(db: SqlExecutor, q: ListBatchProgressQuery): Promise<StoredBatchProgress[]> {
  return db.rows<StoredBatchProgress>`
    SELECT r.id::text AS "runId", r.batch_progress AS progress, r.batch_progress_at AS at
    FROM runs r
    WHERE r.id IN (SELECT id FROM runs WHERE sweep_id = ${q.sweepId}::uuid AND state = 'running'
                   UNION ALL SELECT run_id FROM reused_runs WHERE sweep_id = ${q.sweepId}::uuid)
      AND (${q.runId ?? null}::uuid IS NULL OR r.id = ${q.runId ?? null}::uuid)
      AND r.state = 'running' AND r.batch_progress_at IS NOT NULL
      AND (${q.since ?? null}::timestamptz IS NULL OR r.batch_progress_at > ${q.since ?? null}::timestamptz)
    ORDER BY r.batch_progress_at`;
}
