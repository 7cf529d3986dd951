import type { SqlExecutor } from '../store/sql-executor.ts';

/** Runs per state, every team's together; a state no run is in is absent. */
export async function countRunsByState(db: SqlExecutor): Promise<Map<string, number>> {
  const rows = await db.rows<{ state: string; runs: number }>`
    SELECT state, count(*)::int AS runs FROM runs GROUP BY state`;
  return new Map(rows.map((r) => [r.state, r.runs]));
}
