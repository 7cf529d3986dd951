import type { SqlExecutor } from '../store/sql-executor.ts';

export interface StaleRun {
  runId: string;
  attempt: number;
  workerId: string | null;
  /** Seconds since its last heartbeat, by the database's clock. */
  silentForSecs: number;
}

/** Running runs whose worker has not heart-beaten for `staleForMs` (by the database's clock), oldest first. */
export async function staleRuns(db: SqlExecutor, staleForMs: number, limit = 100): Promise<StaleRun[]> {
  const rows = await db.rows<{ id: string; attempt: number; worker_id: string | null; silent: number }>`
    SELECT id::text AS id, attempt, worker_id, extract(epoch FROM now() - heartbeat_at)::float8 AS silent
    FROM runs
    WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => ${staleForMs / 1000}::float8)
    ORDER BY heartbeat_at LIMIT ${limit}`;
  return rows.map((r) => ({ runId: r.id, attempt: r.attempt, workerId: r.worker_id, silentForSecs: r.silent }));
}
