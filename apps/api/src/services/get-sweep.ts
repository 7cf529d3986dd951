import { readSweepDetail, type Store } from '@distillery/db';
import { RUN_STATES, type RunState, TERMINAL_RUN_STATES } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import type { RunStateCounts, SweepDetail } from '../schemas/sweep-detail.ts';
import { toSweepSummary } from './to-sweep-summary.ts';

/**
 * One sweep of the team with its run counts per state (its reused runs included); another team's sweep is not
 * found.
 */
export async function getSweep(db: Store, teamId: string, sweepId: string): Promise<SweepDetail> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  const sweep = await readSweepDetail(db, teamId, sweepId);
  if (sweep === null) throw new NotFoundError('sweep', sweepId);
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as RunStateCounts;
  let runs = 0;
  let predictedBytes = 0;
  let progress = 0;
  for (const g of sweep.byState ?? []) {
    if ((RUN_STATES as readonly string[]).includes(g.state)) counts[g.state as RunState] = g.runs;
    runs += g.runs;
    predictedBytes += g.bytes;
    progress += g.progress;
  }
  const finished = TERMINAL_RUN_STATES.reduce((n, s) => n + counts[s], 0);
  return {
    ...toSweepSummary(sweep, runs),
    counts,
    totals: {
      runs,
      finished,
      results: Number(sweep.results),
      predictedBytes,
      progress: runs === 0 ? 0 : Math.min(1, progress / runs),
    },
  };
}
