import type { SqlExecutor } from '../store/sql-executor.ts';

/** A run in state `running`, with the attempt it runs under. */
export interface RunningRun {
  id: string;
  attempt: number;
}

/**
 * Every run in state `running`. The embedded mode's one process calls it at start: any such run was left by a
 * process that stopped (only one process opens the store).
 */
export async function listRunningRuns(db: SqlExecutor): Promise<RunningRun[]> {
  return db.rows<RunningRun>`SELECT id::text AS id, attempt FROM runs WHERE state = 'running'`;
}
