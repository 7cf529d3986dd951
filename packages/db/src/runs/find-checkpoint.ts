import type { SqlExecutor } from '../store/sql-executor.ts';
import type { CheckpointRecord } from './checkpoint-record.ts';

/** The run's latest checkpoint record, or null. */
export async function findCheckpoint(db: SqlExecutor, runId: string): Promise<CheckpointRecord | null> {
  const [row] = await db.rows<CheckpointRecord>`
    SELECT run_id::text AS "runId", epoch, attempt, location, bytes FROM checkpoints WHERE run_id = ${runId}::uuid`;
  return row ?? null;
}
