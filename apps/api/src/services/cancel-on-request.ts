import { cancelRun, cancelSweep, readRunState, readSweepState } from '@distillery/db';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import type { RunCancelResult, SweepCancelResult } from '../schemas/cancel-result.ts';
import { type CancelDeps, stopCancelledRuns } from './stop-cancelled-runs.ts';

/**
 * What a cancel request may name, and for each how it is cancelled (with the reason recorded) and its state read
 * after: a run, with everything downstream of it (cancelRun in packages/db), or every unfinished run of a sweep
 * (cancelSweep: a teacher other sweeps wait for trains on).
 */
const CANCEL_TARGETS = {
  run: { cancel: cancelRun, reason: 'cancelled by request', readState: readRunState },
  sweep: { cancel: cancelSweep, reason: 'sweep cancelled by request', readState: readSweepState },
} as const;

/** The answer to cancelling each kind of target. */
export interface CancelResults {
  run: RunCancelResult;
  sweep: SweepCancelResult;
}

/** What a cancel request names: a run or a sweep. */
export type CancelTarget = keyof CancelResults;

/**
 * Cancels the team's run or sweep `id`, then stops what was executing of it (stopCancelledRuns) and answers its
 * state after; idempotent. Another team's (or no) run or sweep is a 404.
 */
export async function cancelOnRequest<T extends CancelTarget>(
  deps: CancelDeps,
  teamId: string,
  target: T,
  id: string,
): Promise<CancelResults[T]> {
  if (!isUuid(id)) throw new NotFoundError(target, id);
  const { cancel, reason, readState } = CANCEL_TARGETS[target];
  const outcome = await cancel(deps.db, teamId, id, reason);
  if (!outcome.found) throw new NotFoundError(target, id);
  await stopCancelledRuns(deps, outcome.cancelled);
  const state = await readState(deps.db, id);
  return { id, state, cancelledRunIds: outcome.cancelled.map((r) => r.id) } as CancelResults[T];
}
