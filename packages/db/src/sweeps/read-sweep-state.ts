import type { SweepState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** The sweep's state, or null when there is no such sweep. */
export async function readSweepState(db: SqlExecutor, sweepId: string): Promise<SweepState | null> {
  const [row] = await db.rows<{ state: SweepState }>`SELECT state FROM sweeps WHERE id = ${sweepId}::uuid`;
  return row?.state ?? null;
}
