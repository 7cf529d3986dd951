import { RUN_METRICS_COLUMNS, type RunMetricsRow } from '../runs/run-metrics-row.ts';
import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

/**
 * Every run of the sweep with its recorded epochs: its own, and those it reuses from earlier sweeps under its
 * own keys. In no particular order.
 */
export async function listSweepRunMetrics(store: Store, sweepId: string): Promise<RunMetricsRow[]> {
  const prisma = prismaOf(store);
  const [own, reused] = await Promise.all([
    prisma.run.findMany({ where: { sweepId }, select: RUN_METRICS_COLUMNS }),
    prisma.reusedRun.findMany({ where: { sweepId }, select: { key: true, run: { select: RUN_METRICS_COLUMNS } } }),
  ]);
  return [...own, ...reused.map((l) => ({ ...l.run, key: l.key }))];
}
