import type { SqlExecutor } from '../store/sql-executor.ts';

export interface CheckpointRecord {
  runId: string;
  epoch: number;
  attempt: number;
  location: string;
  bytes: number;
}

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

/** The run's latest checkpoint record, or null. */
export async function findCheckpoint(db: SqlExecutor, runId: string): Promise<CheckpointRecord | null> {
  const [row] = await db.rows<CheckpointRecord>`
    SELECT run_id::text AS "runId", epoch, attempt, location, bytes FROM checkpoints WHERE run_id = ${runId}::uuid`;
  return row ?? null;
}

export async function deleteCheckpointRecord(db: SqlExecutor, runId: string): Promise<void> {
  await db.run`DELETE FROM checkpoints WHERE run_id = ${runId}::uuid`;
}

/** Checkpoints of runs that finished (succeeded, failed, cancelled): nothing will resume from them. */
export async function finishedRunCheckpoints(db: SqlExecutor, limit = 100): Promise<CheckpointRecord[]> {
  return db.rows<CheckpointRecord>`
    SELECT c.run_id::text AS "runId", c.epoch, c.attempt, c.location, c.bytes
    FROM checkpoints c JOIN runs r ON r.id = c.run_id
    WHERE r.state IN ('succeeded', 'failed', 'cancelled')
    LIMIT ${limit}`;
}
