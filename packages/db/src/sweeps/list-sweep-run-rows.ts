import type { Prisma } from '../generated/client.ts';
import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

const SWEEP_RUN_COLUMNS = {
  id: true,
  sweepId: true,
  key: true,
  kind: true,
  label: true,
  config: true,
  parentId: true,
  state: true,
  attempt: true,
  progress: true,
  predictedParameters: true,
  predictedBytes: true,
  bits: true,
  error: true,
  skippedReason: true,
  result: { select: { accuracy: true, loss: true, parameters: true, bytes: true, bits: true, sizeBreakdown: true } },
} as const satisfies Prisma.RunSelect;

/** A run as a sweep's run listing shows it, with its result's headline numbers. */
export type SweepRunRow = Prisma.RunGetPayload<{ select: typeof SWEEP_RUN_COLUMNS }>;

/** A sweep's runs: its own, and those it reuses from earlier sweeps with the key it gives each. */
export interface SweepRunRows {
  own: SweepRunRow[];
  reused: { key: string; run: SweepRunRow }[];
}

/** Every run of the sweep, own and reused, in no particular order. */
export async function listSweepRunRows(store: Store, sweepId: string): Promise<SweepRunRows> {
  const prisma = prismaOf(store);
  const [own, reused] = await Promise.all([
    prisma.run.findMany({ where: { sweepId }, select: SWEEP_RUN_COLUMNS }),
    prisma.reusedRun.findMany({ where: { sweepId }, select: { key: true, run: { select: SWEEP_RUN_COLUMNS } } }),
  ]);
  return { own, reused };
}
