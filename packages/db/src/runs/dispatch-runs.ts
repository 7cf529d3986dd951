import { type Executor, sqlOf } from '../sql/sql-executor.ts';

/**
 * A queued run as the queue needs it: the job (run id + attempt) and what ranks it (issue 4, item 7). The
 * queue turns `priority`, `position` and `teamSweeps` into a BullMQ priority (packages/queue jobPriority).
 */
export interface ReleasedRun {
  runId: string;
  attempt: number;
  /** The sweep's priority, -10..10 (higher first). @defaultValue 0 */
  priority?: number;
  /** The run's ordinal in its sweep: a sweep's later runs yield to another sweep's earlier ones. */
  position?: number;
  /** Running sweeps of the run's team, when the job was made: a team's sweeps share the team's turn. */
  teamSweeps?: number;
  /** Not before this time (a retry's backoff). */
  notBefore?: Date | null;
}

/** The queue's view of the given queued runs (in any order; runs no longer queued are left out). */
export async function dispatchRuns(db: Executor, runIds: readonly string[]): Promise<ReleasedRun[]> {
  if (runIds.length === 0) return [];
  const rows = await sqlOf(db).rows<{
    id: string;
    attempt: number;
    priority: number;
    position: number;
    team_sweeps: string;
    not_before: Date | null;
  }>`
    WITH active AS (
      SELECT team_id, count(*) AS n FROM sweeps WHERE state = 'running'
      AND team_id IN (SELECT team_id FROM runs WHERE id = ANY(${runIds}::uuid[]))
      GROUP BY team_id
    )
    SELECT r.id::text AS id, r.attempt, s.priority, r.position, coalesce(a.n, 1) AS team_sweeps, r.not_before
    FROM runs r JOIN sweeps s ON s.id = r.sweep_id LEFT JOIN active a ON a.team_id = r.team_id
    WHERE r.id = ANY(${runIds}::uuid[]) AND r.state = 'queued'`;
  return rows.map((r) => ({
    runId: r.id,
    attempt: r.attempt,
    priority: r.priority,
    position: r.position,
    teamSweeps: Number(r.team_sweeps),
    notBefore: r.not_before,
  }));
}
