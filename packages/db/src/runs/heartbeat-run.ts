import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * A worker's "still on it" for a run it executes, by the database's clock (workers' clocks may differ). false
 * when the run is no longer `running` under `attempt`: cancelled, or taken over by another worker. The worker
 * must then stop.
 */
export async function heartbeatRun(db: SqlExecutor, runId: string, attempt: number): Promise<boolean> {
  const n = await db.run`
    UPDATE runs SET heartbeat_at = now() WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'`;
  return n === 1;
}
