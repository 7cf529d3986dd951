import type { Prisma } from '../generated/client.ts';
import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

/** A run with its learning curve (epochs in order) and its result, as stored. */
export type RunDetailRow = Prisma.RunGetPayload<{ include: { metrics: true; result: true } }>;

/** One of the team's runs with its learning curve and result; null for another team's run or a missing one. */
export async function readRunDetail(store: Store, teamId: string, runId: string): Promise<RunDetailRow | null> {
  return prismaOf(store).run.findFirst({
    where: { id: runId, teamId },
    include: { metrics: { orderBy: { epoch: 'asc' } }, result: true },
  });
}
