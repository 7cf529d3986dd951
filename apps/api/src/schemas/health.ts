import { z } from 'zod';

/** `/healthz`: the process answers. */
export const Liveness = z.object({ status: z.literal('ok') });
export type Liveness = z.infer<typeof Liveness>;

export const DEPENDENCY_STATUSES = ['ok', 'failed'] as const;
export const DependencyStatus = z.enum(DEPENDENCY_STATUSES);
export type DependencyStatus = z.infer<typeof DependencyStatus>;

/** `/readyz`: whether the dependencies answer; 503 names the failing one (never why: that goes to the log). */
export const Readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ postgres: DependencyStatus, redis: DependencyStatus }),
});
export type Readiness = z.infer<typeof Readiness>;
