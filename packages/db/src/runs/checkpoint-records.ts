import type { DbExecutor } from './db-executor.ts';

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
export async function recordCheckpoint(db: DbExecutor, c: CheckpointRecord): Promise<boolean> {
  const n = await db.$executeRaw`
    INSERT INTO checkpoints (run_id, epoch, attempt, location, bytes)
    SELECT id, ${c.epoch}, ${c.attempt}, ${c.location}, ${c.bytes} FROM runs
    WHERE id = ${c.runId}::uuid AND attempt = ${c.attempt} AND state = 'running'
    ON CONFLICT (run_id) DO UPDATE SET epoch = excluded.epoch, attempt = excluded.attempt,
      location = excluded.location, bytes = excluded.bytes, created_at = now()`;
  return n === 1;
}

/** The run's latest checkpoint record, or null. */
export async function findCheckpoint(db: DbExecutor, runId: string): Promise<CheckpointRecord | null> {
  const row = await db.checkpoint.findUnique({ where: { runId } });
  return row && { runId, epoch: row.epoch, attempt: row.attempt, location: row.location, bytes: row.bytes };
}

export async function deleteCheckpointRecord(db: DbExecutor, runId: string): Promise<void> {
  await db.checkpoint.deleteMany({ where: { runId } });
}

/** Checkpoints of runs that finished (succeeded, failed, cancelled): nothing will resume from them. */
export async function finishedRunCheckpoints(db: DbExecutor, limit = 100): Promise<CheckpointRecord[]> {
  const rows = await db.checkpoint.findMany({
    where: { run: { state: { in: ['succeeded', 'failed', 'cancelled'] } } },
    take: limit,
  });
  return rows.map((r) => ({
    runId: r.runId,
    epoch: r.epoch,
    attempt: r.attempt,
    location: r.location,
    bytes: r.bytes,
  }));
}
