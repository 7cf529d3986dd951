import type { SqlExecutor } from '../store/sql-executor.ts';
import type { CheckpointRecord } from './checkpoint-record.ts';

/** Checkpoints of runs that finished (succeeded, failed, cancelled): nothing will resume from them. */
export async function finishedRunCheckpoints(db: SqlExecutor, limit = 100): Promise<CheckpointRecord[]> {
  return db.rows<CheckpointRecord>`
    SELECT c.run_id::text AS "runId", c.epoch, c.attempt, c.location, c.bytes
    FROM checkpoints c JOIN runs r ON r.id = c.run_id
    WHERE r.state IN ('succeeded', 'failed', 'cancelled')
    LIMIT ${limit}`;
}
