import type { SqlExecutor } from '../store/sql-executor.ts';

/** Forgets the run's checkpoint record (its files are the checkpoint store's to delete). */
export async function deleteCheckpointRecord(db: SqlExecutor, runId: string): Promise<void> {
  await db.run`DELETE FROM checkpoints WHERE run_id = ${runId}::uuid`;
}
