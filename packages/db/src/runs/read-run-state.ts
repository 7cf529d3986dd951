import type { RunState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** The run's state, or null when there is no such run. */
export async function readRunState(db: SqlExecutor, runId: string): Promise<RunState | null> {
  const [row] = await db.rows<{ state: RunState }>`SELECT state FROM runs WHERE id = ${runId}::uuid`;
  return row?.state ?? null;
}
