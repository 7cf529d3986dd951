import type { SqlExecutor } from '../store/sql-executor.ts';
import type { CheckpointRecord } from './checkpoint-record.ts';

/**
 * Records the run's latest checkpoint (one row per run, replaced), only while the run is `running` under
 * `attempt`: a fenced-off worker cannot point the run at its files. false otherwise.
 */
export async function recordCheckpoint(db: SqlExecutor, c: CheckpointRecord): Promise<boolean> {
  // Not flushed before answering: the checkpoint's files are what a resume reads; this row only points at them.
  const n = await db.transaction(
    (sql) => sql.run`
    INSERT INTO checkpoints (run_id, epoch, attempt, location, bytes)
    SELECT id, ${c.epoch}, ${c.attempt}, ${c.location}, ${c.bytes} FROM runs
    WHERE id = ${c.runId}::uuid AND attempt = ${c.attempt} AND state = 'running'
    ON CONFLICT (run_id) DO UPDATE SET epoch = excluded.epoch, attempt = excluded.attempt,
      location = excluded.location, bytes = excluded.bytes, created_at = now()`,
    { durable: false },
  );
  return n === 1;
}
