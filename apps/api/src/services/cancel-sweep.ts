import { cancelSweep as cancelSweepInDatabase, readSweepState } from '@distillery/db';
import type { SweepState } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import type { SweepCancelResult } from '../schemas/cancel-result.ts';
import { type CancelDeps, stopCancelledRuns } from './stop-cancelled-runs.ts';

/** Cancels every unfinished run of one of the team's sweeps (a teacher other sweeps wait for trains on). */
export async function cancelSweep(deps: CancelDeps, teamId: string, sweepId: string): Promise<SweepCancelResult> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  const outcome = await cancelSweepInDatabase(deps.db, teamId, sweepId, 'sweep cancelled by request');
  if (!outcome.found) throw new NotFoundError('sweep', sweepId);
  await stopCancelledRuns(deps, outcome.cancelled);
  const state = (await readSweepState(deps.db, sweepId)) as SweepState;
  return { id: sweepId, state, cancelledRunIds: outcome.cancelled.map((r) => r.id) };
}
