import type { DbExecutor } from './db-executor.ts';
import type { ReleasedRun } from './release-children.ts';

/**
 * Runs PostgreSQL says are queued. The queue is rebuilt from these on worker start (a crash between a commit
 * and the enqueue that follows it must not strand a run); enqueueing is idempotent per run attempt.
 */
export async function queuedRuns(db: DbExecutor): Promise<ReleasedRun[]> {
  const rows = await db.run.findMany({ where: { state: 'queued' }, select: { id: true, attempt: true } });
  return rows.map((r) => ({ runId: r.id, attempt: r.attempt }));
}
