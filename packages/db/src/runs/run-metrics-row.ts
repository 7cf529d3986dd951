import type { Prisma } from '../generated/client.ts';

/** The columns of a run its metrics export shows, with its learning curve in epoch order. */
export const RUN_METRICS_COLUMNS = {
  id: true,
  key: true,
  kind: true,
  label: true,
  groupHash: true,
  metrics: { orderBy: { epoch: 'asc' } },
} as const satisfies Prisma.RunSelect;

/** A run with its recorded epochs (see {@link RUN_METRICS_COLUMNS}). */
export type RunMetricsRow = Prisma.RunGetPayload<{ select: typeof RUN_METRICS_COLUMNS }>;
