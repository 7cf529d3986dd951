import type { SqlExecutor } from '../store/sql-executor.ts';

/** The team's runs waiting to start (`queued` or `waiting`). */
export async function countPendingRuns(db: SqlExecutor, teamId: string): Promise<number> {
  const [row] = await db.rows<{ n: number }>`
    SELECT count(*)::int AS n FROM runs WHERE team_id = ${teamId}::uuid AND state IN ('queued', 'waiting')`;
  return row?.n ?? 0;
}
