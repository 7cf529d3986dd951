import type { SqlExecutor } from '../store/sql-executor.ts';
import type { SweepRow } from './sweep-row.ts';

/** A sweep's row with its runs (its reused ones included) counted per state, and its result count. */
export interface SweepDetailRow extends SweepRow {
  /** Per run state: runs, predicted bytes, summed progress; null for a sweep without runs. */
  byState: { state: string; runs: number; bytes: number; progress: number }[] | null;
  /** Results of its runs (a count: a string or a number, as the driver gives a bigint). */
  results: string | number;
}

/**
 * One of the team's sweeps with its run counts per state; null for another team's sweep or a missing one. One
 * statement (the sweep, its runs grouped by state on the (sweep_id, state) index, its result count): this is
 * what dashboards and `sweep watch` poll, and the benchmark's (bench/orchestration.ts) — three ORM queries cost
 * several milliseconds of CPU each time.
 */
export async function readSweepDetail(
  db: SqlExecutor,
  teamId: string,
  sweepId: string,
): Promise<SweepDetailRow | null> {
  const [sweep] = await db.rows<SweepDetailRow>`
    SELECT s.id::text AS id, s.name, s.tags, s.state, s.spec_hash AS "specHash", s.created_at AS "createdAt",
           s.updated_at AS "updatedAt", s.finished_at AS "finishedAt",
           (SELECT json_agg(g) FROM (
              SELECT state, count(*)::int AS runs, coalesce(sum(predicted_bytes), 0)::float8 AS bytes,
                     coalesce(sum(progress), 0)::float8 AS progress
              FROM (SELECT state, predicted_bytes, progress FROM runs WHERE sweep_id = s.id
                    UNION ALL
                    SELECT u.state, u.predicted_bytes, u.progress
                    FROM reused_runs l JOIN runs u ON u.id = l.run_id WHERE l.sweep_id = s.id) m
              GROUP BY state) g) AS "byState",
           (SELECT count(*) FROM results r JOIN runs u ON u.id = r.run_id WHERE u.sweep_id = s.id)
             + (SELECT count(*) FROM results r JOIN reused_runs l ON l.run_id = r.run_id WHERE l.sweep_id = s.id)
             AS results
    FROM sweeps s WHERE s.id = ${sweepId}::uuid AND s.team_id = ${teamId}::uuid`;
  return sweep ?? null;
}
