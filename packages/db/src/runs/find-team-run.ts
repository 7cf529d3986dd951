import type { RunState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** Where one of a team's runs is and what state it is in. */
export interface TeamRunRef {
  id: string;
  sweepId: string;
  state: RunState;
}

/** The team's run `runId`, or null for another team's run or a missing one, alike. */
export async function findTeamRun(db: SqlExecutor, teamId: string, runId: string): Promise<TeamRunRef | null> {
  const [row] = await db.rows<TeamRunRef>`
    SELECT id::text AS id, sweep_id::text AS "sweepId", state FROM runs
    WHERE id = ${runId}::uuid AND team_id = ${teamId}::uuid`;
  return row ?? null;
}
