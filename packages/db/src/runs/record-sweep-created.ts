import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * The first events of a new sweep, in its creation transaction: one `state` event per run — its own
 * (`queued` or `waiting`) and those it reuses from earlier sweeps (in whatever state they are) — numbered from
 * 1 in expansion order, so an SSE client that connects at once replays the whole history; its run counters
 * (see recordTransition) and the state they give: a sweep whose every run is reused and already succeeded is
 * finished at once. Returns the number of events.
 */
export async function recordSweepCreated(db: SqlExecutor, sweepId: string): Promise<number> {
  const [row] = await db.rows<{ n: string }>`
    WITH members AS (
      SELECT id, position, key, state, attempt FROM runs WHERE sweep_id = ${sweepId}::uuid
      UNION ALL
      SELECT r.id, l.position, l.key, r.state, r.attempt
      FROM reused_runs l JOIN runs r ON r.id = l.run_id WHERE l.sweep_id = ${sweepId}::uuid
    ),
    created AS (
      INSERT INTO run_events (sweep_id, seq, run_id, type, data)
      SELECT ${sweepId}::uuid, row_number() OVER (ORDER BY position, key), id, 'state',
             jsonb_build_object('state', state, 'attempt', attempt)
      FROM members
      RETURNING seq
    ),
    c AS (
      SELECT count(*) FILTER (WHERE state IN ('waiting', 'queued', 'running')) AS open,
             count(*) FILTER (WHERE state = 'failed') AS failed,
             count(*) FILTER (WHERE state = 'cancelled') AS cancelled
      FROM members
    )
    UPDATE sweeps SET event_seq = (SELECT count(*) FROM created),
      open_runs = c.open, failed_runs = c.failed, cancelled_runs = c.cancelled,
      state = CASE WHEN c.open > 0 THEN 'running' WHEN c.failed > 0 THEN 'failed'
                   WHEN c.cancelled > 0 THEN 'cancelled' ELSE 'succeeded' END,
      finished_at = CASE WHEN c.open > 0 THEN NULL ELSE now() END
    FROM c
    WHERE id = ${sweepId}::uuid
    RETURNING event_seq AS n`;
  return Number(row?.n ?? 0);
}
