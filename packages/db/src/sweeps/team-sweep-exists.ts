import type { SqlExecutor } from '../store/sql-executor.ts';

/** Whether `sweepId` is one of the team's sweeps (another team's sweep is not, like a missing one). */
export async function teamSweepExists(db: SqlExecutor, teamId: string, sweepId: string): Promise<boolean> {
  const rows = await db.rows`SELECT 1 FROM sweeps WHERE id = ${sweepId}::uuid AND team_id = ${teamId}::uuid`;
  return rows.length > 0;
}
