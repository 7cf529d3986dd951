import { z } from 'zod';

/** `/healthz`: the process answers. */
export const Liveness = z.object({ status: z.literal('ok').describe('Always ok: the process answers.') });
export type Liveness = z.infer<typeof Liveness>;

export const DEPENDENCY_STATUSES = ['ok', 'failed'] as const;
export const DependencyStatus = z.enum(DEPENDENCY_STATUSES).describe('ok: it answered the probe; failed: it did not.');
export type DependencyStatus = z.infer<typeof DependencyStatus>;

/** `/readyz`: whether the dependencies answer; 503 names the failing one (never why: that goes to the log). */
export const Readiness = z.object({
  status: z.enum(['ready', 'unavailable']).describe('ready when PostgreSQL and Redis both answer, else unavailable.'),
  checks: z.object({ postgres: DependencyStatus, redis: DependencyStatus }).describe('Each dependency: ok or failed.'),
});
export type Readiness = z.infer<typeof Readiness>;
