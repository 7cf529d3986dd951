import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';
import { RUN_METRICS_COLUMNS, type RunMetricsRow } from './run-metrics-row.ts';

/** One of the team's runs with its recorded epochs; null for another team's run or a missing one. */
export async function readTeamRunMetrics(store: Store, teamId: string, runId: string): Promise<RunMetricsRow | null> {
  return prismaOf(store).run.findFirst({ where: { id: runId, teamId }, select: RUN_METRICS_COLUMNS });
}
