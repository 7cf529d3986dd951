import type { RunSpan, RunTiming } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * A succeeded run's measured time, as throughput is computed from it (packages/spec `RunTiming`), and when and
 * where it executed, as the per-run work around it is (packages/spec `RunSpan`: times in seconds since the epoch).
 * `packSize` is always read: the runs `packed_by` the same run as its last attempt (or by it), 1 when it trained
 * alone.
 */
export type RunTimingRow = RunSpan & RunTiming & { packSize: number };

/** How many of a team's latest results a dry run reads its throughput from. */
export const RUN_TIMINGS_LIMIT = 2000;

/**
 * The team's latest results (at most `limit`, newest first) with the seconds of their recorded epochs: what
 * `measureThroughput` turns into the rates a dry run estimates from (a packed run's time is its pack's, so each
 * says how many shared it), and `measureRunOverhead` into the per-run work around them. One statement; the epochs
 * are summed per run.
 */
export async function listRunTimings(
  db: SqlExecutor,
  teamId: string,
  limit: number = RUN_TIMINGS_LIMIT,
): Promise<RunTimingRow[]> {
  return db.rows<RunTimingRow>`
    SELECT r.id AS "runId", COALESCE(r.packed_by, r.id) AS task, r.parent_id AS "parentId",
           COALESCE(r.worker_id, '') AS "workerId",
           extract(epoch FROM r.created_at)::float8 AS "createdAt",
           extract(epoch FROM COALESCE(r.started_at, r.created_at))::float8 AS "startedAt",
           extract(epoch FROM COALESCE(r.finished_at, res.created_at))::float8 AS "finishedAt",
           r.config, res.backend, res.seconds,
           COALESCE(m.seconds, 0)::float8 AS "epochSeconds", COALESCE(m.epochs, 0)::int AS epochs,
           GREATEST(1, COALESCE(p.size, 1))::int AS "packSize"
    FROM runs r
    JOIN results res ON res.run_id = r.id
    LEFT JOIN LATERAL (SELECT sum(seconds) AS seconds, count(*) AS epochs FROM metrics WHERE run_id = r.id) m ON true
    -- A pack's members share the sweep, parent and pack key (the claim's index), so the count reads that group.
    LEFT JOIN LATERAL (
      SELECT count(*) AS size FROM runs q
      WHERE r.pack_key IS NOT NULL AND q.sweep_id = r.sweep_id AND q.parent_id = r.parent_id
        AND q.pack_key = r.pack_key AND COALESCE(q.packed_by, q.id) = COALESCE(r.packed_by, r.id)
    ) p ON true
    WHERE r.team_id = ${teamId}::uuid AND r.state = 'succeeded'
    ORDER BY res.created_at DESC
    LIMIT ${limit}`;
}
