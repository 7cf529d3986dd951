import { cancelRun as cancelRunInDatabase, readRunState } from '@distillery/db';
import type { RunState } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import type { RunCancelResult } from '../schemas/cancel-result.ts';
import { type CancelDeps, stopCancelledRuns } from './stop-cancelled-runs.ts';

/** Cancels one of the team's runs and everything downstream of it; idempotent. */
export async function cancelRun(deps: CancelDeps, teamId: string, runId: string): Promise<RunCancelResult> {
  if (!isUuid(runId)) throw new NotFoundError('run', runId);
  const outcome = await cancelRunInDatabase(deps.db, teamId, runId, 'cancelled by request');
  if (!outcome.found) throw new NotFoundError('run', runId);
  await stopCancelledRuns(deps, outcome.cancelled);
  const state = (await readRunState(deps.db, runId)) as RunState;
  return { id: runId, state, cancelledRunIds: outcome.cancelled.map((r) => r.id) };
}
