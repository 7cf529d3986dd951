import type { SqlExecutor } from '../store/sql-executor.ts';

/** One row of `reused_runs`: an existing run that a new sweep counts as its own under `key`. */
export interface NewReusedRun {
  sweepId: string;
  key: string;
  runId: string;
  /** Ordinal in the new sweep's expansion. */
  position: number;
}

/** Inserts a sweep's reused runs in one statement (a single JSON parameter, as insertRuns). */
export async function insertReusedRuns(tx: SqlExecutor, links: readonly NewReusedRun[]): Promise<void> {
  if (links.length === 0) return;
  await tx.run`
    INSERT INTO reused_runs (sweep_id, key, run_id, position)
    SELECT l."sweepId", l.key, l."runId", l.position
    FROM jsonb_to_recordset(${JSON.stringify(links)}::jsonb) AS l("sweepId" uuid, key text, "runId" uuid, position int)`;
}
