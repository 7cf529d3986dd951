import { type Executor, sqlOf } from '../sql/sql-executor.ts';

/**
 * The first events of a new sweep, in its creation transaction: one `state` event per run (`queued` or
 * `waiting`), numbered from 1 in expansion order, so an SSE client that connects at once replays the whole
 * history; and its count of unfinished runs (see recordTransition). Returns the number of events.
 */
export async function recordSweepCreated(db: Executor, sweepId: string): Promise<number> {
  const [row] = await sqlOf(db).rows<{ n: string }>`
    WITH created AS (
      INSERT INTO run_events (sweep_id, seq, run_id, type, data)
      SELECT sweep_id, row_number() OVER (ORDER BY position, key), id, 'state',
             jsonb_build_object('state', state, 'attempt', attempt)
      FROM runs WHERE sweep_id = ${sweepId}::uuid
      RETURNING seq
    )
    UPDATE sweeps SET event_seq = (SELECT count(*) FROM created),
      open_runs = (SELECT count(*) FROM runs WHERE sweep_id = ${sweepId}::uuid AND state IN ('waiting', 'queued', 'running'))
    WHERE id = ${sweepId}::uuid
    RETURNING event_seq AS n`;
  return Number(row?.n ?? 0);
}
