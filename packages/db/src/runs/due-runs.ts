import type { RunDispatch } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { dispatchRuns } from './dispatch-runs.ts';

export interface DueRunsOptions {
  /** Only runs queued at least this long ago (younger ones are still on their way to Redis), in ms. @defaultValue 0 */
  queuedForMs?: number;
  /** Most runs returned, oldest first. @defaultValue 1000 */
  limit?: number;
}

/**
 * Runs PostgreSQL says are queued, for the reconciler to put back on the queue if Redis lost them (a
 * restart, `FLUSHALL`, a crash between a commit and its enqueue). Enqueueing is idempotent per run attempt.
 */
export async function dueRuns(db: SqlExecutor, options: DueRunsOptions = {}): Promise<RunDispatch[]> {
  const ms = options.queuedForMs ?? 0;
  const rows = await db.rows<{ id: string }>`
    SELECT id::text AS id FROM runs
    WHERE state = 'queued' AND coalesce(queued_at, created_at) <= now() - make_interval(secs => ${ms / 1000}::float8)
    ORDER BY queued_at NULLS FIRST LIMIT ${options.limit ?? 1000}`;
  return dispatchRuns(
    db,
    rows.map((r) => r.id),
  );
}
