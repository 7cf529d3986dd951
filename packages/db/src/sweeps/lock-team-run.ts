import type { RunKind, RunState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** What a submission checks of a run it names (a teacher to reuse). */
export interface LockedTeamRun {
  id: string;
  kind: RunKind;
  state: RunState;
  /** As stored. */
  config: unknown;
  identity: string;
}

/**
 * One of the team's runs, locked `FOR SHARE` until the caller's transaction commits: a worker completing it
 * meanwhile waits, then sees (and releases) the runs the caller made wait for it. Null for another team's run
 * or a missing one, alike.
 */
export async function lockTeamRun(tx: SqlExecutor, teamId: string, runId: string): Promise<LockedTeamRun | null> {
  const [row] = await tx.rows<LockedTeamRun>`
    SELECT id::text AS id, kind, state, config, identity FROM runs
    WHERE id = ${runId}::uuid AND team_id = ${teamId}::uuid
    FOR SHARE`;
  return row ?? null;
}
