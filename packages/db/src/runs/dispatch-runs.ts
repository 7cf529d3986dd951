import type { RunDispatch } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** The queue's view of the given queued runs (in any order; runs no longer queued are left out). */
export async function dispatchRuns(db: SqlExecutor, runIds: readonly string[]): Promise<RunDispatch[]> {
  if (runIds.length === 0) return [];
  const rows = await db.rows<{
    id: string;
    attempt: number;
    band: number;
    position: number;
    team_sweeps: string;
    ahead: string;
    not_before: Date | null;
  }>`
    WITH active AS (
      SELECT team_id, priority, open_runs,
             CASE WHEN priority_scope = 'global' THEN priority ELSE 0 END AS band
      FROM sweeps WHERE state = 'running'
      AND team_id IN (SELECT team_id FROM runs WHERE id = ANY(${runIds}::uuid[]))
    ),
    mine AS (
      SELECT r.id, r.attempt, r.position, r.team_id, r.not_before, s.priority,
             CASE WHEN s.priority_scope = 'global' THEN s.priority ELSE 0 END AS band
      FROM runs r JOIN sweeps s ON s.id = r.sweep_id
      WHERE r.id = ANY(${runIds}::uuid[]) AND r.state = 'queued'
    )
    SELECT m.id::text AS id, m.attempt, m.band, m.position, m.not_before,
      (SELECT count(*) FROM active a
        WHERE a.team_id = m.team_id AND a.band = m.band AND a.priority = m.priority) AS team_sweeps,
      (SELECT coalesce(sum(a.open_runs), 0) FROM active a
        WHERE a.team_id = m.team_id AND a.band = m.band AND a.priority > m.priority) AS ahead
    FROM mine m`;
  return rows.map((r) => ({
    runId: r.id,
    attempt: r.attempt,
    priority: r.band,
    position: r.position,
    teamSweeps: Math.max(1, Number(r.team_sweeps)),
    ahead: Number(r.ahead),
    notBefore: r.not_before,
  }));
}
