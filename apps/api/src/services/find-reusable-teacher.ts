import type { Prisma } from '@distillery/db';
import type { ResolvedTeacher } from './resolve-teacher-run.ts';

/**
 * The team's teacher with exactly this configuration (canonical hash of data set + model + training + seed)
 * that is trained, training, or on its way, so a new sweep waits for it instead of training it again (issue 4,
 * item 2). Null when there is none (or only failed or cancelled ones): the sweep trains its own.
 *
 * Two submissions racing with the same teacher must not both miss each other: a transaction-scoped advisory
 * lock on (team, hash) serialises them, so the second sees the first's teacher once the first commits. The
 * teacher's row is then locked `FOR SHARE` until our commit, so a worker completing or failing it meanwhile waits
 * and then releases (or cancels) our waiting runs along with the rest.
 */
export async function findReusableTeacher(
  tx: Prisma.TransactionClient,
  teamId: string,
  configHash: string,
): Promise<ResolvedTeacher | null> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`teacher:${teamId}:${configHash}`}, 0))`;
  const [row] = await tx.$queryRaw<{ id: string; state: string }[]>`
    SELECT id::text AS id, state FROM runs
    WHERE team_id = ${teamId}::uuid AND config_hash = ${configHash} AND kind = 'teacher'
      AND state IN ('waiting', 'queued', 'running', 'succeeded')
    ORDER BY state = 'succeeded' DESC, created_at
    LIMIT 1
    FOR SHARE`;
  if (row === undefined) return null;
  return { id: row.id, dependentState: row.state === 'succeeded' ? 'queued' : 'waiting' };
}
