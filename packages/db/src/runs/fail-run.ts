import type { Prisma, PrismaClient } from '../database-client.ts';
import { withTransaction } from '../transient/with-transaction.ts';
import { cancelDescendants } from './cancel-descendants.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/** Longest error message stored with a run. */
export const MAX_ERROR_LENGTH = 4000;

/**
 * Marks a run failed for good with a message for the researcher, cancels everything downstream of it
 * (recording why), and refreshes the sweeps involved. No-op (false) when the run is no longer `running`
 * under `attempt`.
 */
export async function failRun(db: PrismaClient, runId: string, attempt: number, message: string): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const [run] = await tx.$queryRaw<MovedRun[]>`
      SELECT id::text AS id, sweep_id::text AS "sweepId", attempt FROM runs
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running' FOR UPDATE`;
    if (run === undefined) return false;
    await failRunInTransaction(tx, run, message);
    return true;
  });
}

/** The body of {@link failRun} for a run already known to be `running` under its attempt (row locked). */
export async function failRunInTransaction(tx: Prisma.TransactionClient, run: MovedRun, message: string) {
  const error = message.slice(0, MAX_ERROR_LENGTH);
  await tx.$executeRaw`
    UPDATE runs SET state = 'failed', finished_at = now(), error = ${error}, not_before = NULL, updated_at = now()
    WHERE id = ${run.id}::uuid`;
  const key = await tx.run.findUniqueOrThrow({ where: { id: run.id }, select: { key: true } });
  const reason = `parent run ${key.key} (${run.id}) failed`;
  const cancelled = await cancelDescendants(tx, run.id, reason);
  await recordTransition(tx, [...stateEvents([run], 'failed', error), ...stateEvents(cancelled, 'cancelled', reason)]);
}
