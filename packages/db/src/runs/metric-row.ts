import type { Prisma } from '../generated/client.ts';

/** One stored epoch of a run's learning curve (a `metrics` row). */
export type MetricRow = Prisma.MetricGetPayload<object>;
