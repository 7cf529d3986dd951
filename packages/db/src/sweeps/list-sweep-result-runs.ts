import type { Prisma } from '../generated/client.ts';
import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

const RESULT_RUN_COLUMNS = {
  id: true,
  key: true,
  kind: true,
  label: true,
  groupHash: true,
  parentId: true,
  config: true,
  result: true,
} as const satisfies Prisma.RunSelect;

/** A run with its result, as a sweep's results show it. */
export type SweepResultRun = Prisma.RunGetPayload<{ select: typeof RESULT_RUN_COLUMNS }>;

/**
 * The sweep's runs that have a result: its own, and those it reuses from earlier sweeps under its own keys. In
 * no particular order.
 */
export async function listSweepResultRuns(store: Store, sweepId: string): Promise<SweepResultRun[]> {
  const prisma = prismaOf(store);
  const [own, reused] = await Promise.all([
    prisma.run.findMany({ where: { sweepId, result: { isNot: null } }, select: RESULT_RUN_COLUMNS }),
    prisma.reusedRun.findMany({
      where: { sweepId, run: { result: { isNot: null } } },
      select: { key: true, run: { select: RESULT_RUN_COLUMNS } },
    }),
  ]);
  return [...own, ...reused.map((l) => ({ ...l.run, key: l.key }))];
}
