import type { RunState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** A team's existing run that a new sweep can count as its own instead of training it again. */
export interface ReusableRun {
  id: string;
  /** The sweep it belongs to and its key there. */
  sweepId: string;
  key: string;
  identity: string;
  /** Trained (`succeeded`) or on its way. */
  state: Extract<RunState, 'waiting' | 'queued' | 'running' | 'succeeded'>;
}

/**
 * The team's runs with these identities that are trained, training, or on their way, by identity: per identity
 * the one that succeeded, else the oldest unfinished one. Failed and cancelled runs are never reused (the sweep
 * trains its own). Inside a submission's transaction.
 *
 * Two submissions racing with the same runs must not both miss each other: a transaction-scoped advisory lock
 * per team serialises the team's submissions (a sweep at the run ceiling commits in well under a second), so
 * the second sees the first's runs once the first commits. One lock per team rather than per identity keeps
 * a 5,000-run sweep from filling PostgreSQL's lock table. The runs found are locked `FOR SHARE` until our
 * commit, so a worker finishing one meanwhile waits, then releases (or cancels) our runs that wait for it and
 * records its transition in our sweep along with its own. The lock is taken even for no identities (a rerun),
 * so a concurrent submission sees the runs this one trains again.
 */
export async function findReusableRuns(
  tx: SqlExecutor,
  teamId: string,
  identities: readonly string[],
): Promise<Map<string, ReusableRun>> {
  await tx.rows`SELECT pg_advisory_xact_lock(hashtextextended(${`runs:${teamId}`}, 0))`;
  const found = new Map<string, ReusableRun>();
  if (identities.length === 0) return found;
  const rows = await tx.rows<ReusableRun>`
    SELECT id::text AS id, sweep_id::text AS "sweepId", key, identity, state FROM runs
    WHERE team_id = ${teamId}::uuid AND identity = ANY(${[...new Set(identities)]}::text[])
      AND state IN ('waiting', 'queued', 'running', 'succeeded')
    ORDER BY state = 'succeeded' DESC, created_at, id
    FOR SHARE`;
  for (const row of rows) if (!found.has(row.identity)) found.set(row.identity, row);
  return found;
}
