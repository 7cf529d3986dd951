import type { PrismaClient } from '@distillery/db';
import { RUN_STATES, type RunState, TERMINAL_RUN_STATES } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import type { RunStateCounts, SweepDetail } from '../schemas/sweep-detail.ts';
import { toSweepSummary } from './to-sweep-summary.ts';

/** One sweep of the team with its run counts per state; another team's sweep is not found. */
export async function getSweep(db: PrismaClient, teamId: string, sweepId: string): Promise<SweepDetail> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  const sweep = await db.sweep.findFirst({ where: { id: sweepId, teamId } });
  if (sweep === null) throw new NotFoundError('sweep', sweepId);
  const [byState, results] = await Promise.all([
    db.run.groupBy({
      by: ['state'],
      where: { sweepId },
      _count: { _all: true },
      _sum: { predictedBytes: true, progress: true },
    }),
    db.result.count({ where: { run: { sweepId } } }),
  ]);
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as RunStateCounts;
  let runs = 0;
  let predictedBytes = 0;
  let progress = 0;
  for (const g of byState) {
    if ((RUN_STATES as readonly string[]).includes(g.state)) counts[g.state as RunState] = g._count._all;
    runs += g._count._all;
    predictedBytes += g._sum.predictedBytes ?? 0;
    progress += g._sum.progress ?? 0;
  }
  const finished = TERMINAL_RUN_STATES.reduce((n, s) => n + counts[s], 0);
  return {
    ...toSweepSummary(sweep, runs),
    counts,
    totals: {
      runs,
      finished,
      results,
      predictedBytes,
      progress: runs === 0 ? 0 : Math.min(1, progress / runs),
    },
  };
}
