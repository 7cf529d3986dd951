import type { DbExecutor } from './db-executor.ts';

/**
 * The first events of a new sweep, in its creation transaction: one `state` event per run (`queued` or
 * `waiting`), numbered from 1 in expansion order, so an SSE client that connects at once replays the whole
 * history. Returns the number of events.
 */
export async function recordSweepCreated(db: DbExecutor, sweepId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    WITH created AS (
      INSERT INTO run_events (sweep_id, seq, run_id, type, data)
      SELECT sweep_id, row_number() OVER (ORDER BY position, key), id, 'state',
             jsonb_build_object('state', state, 'attempt', attempt)
      FROM runs WHERE sweep_id = ${sweepId}::uuid
      RETURNING seq
    )
    UPDATE sweeps SET event_seq = (SELECT count(*) FROM created) WHERE id = ${sweepId}::uuid
    RETURNING event_seq AS n`;
  return Number(row?.n ?? 0);
}
