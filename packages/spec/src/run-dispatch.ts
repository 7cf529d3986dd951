import { z } from 'zod';

/**
 * The payload of a queued run. PostgreSQL holds everything else: the job is only a pointer to one attempt of
 * one run, and a stale job (an older attempt) is dropped by the worker.
 */
export const RunJob = z.strictObject({
  runId: z.uuid(),
  /** The attempt this job was queued for, 1-based. */
  attempt: z.int().min(1),
});
export type RunJob = z.infer<typeof RunJob>;

/**
 * A queued run as the queue needs it: its job, what ranks it among other teams' and sweeps' runs (packages/queue
 * turns the rank into a BullMQ priority, `jobPriority`) and, for a retry, when it may start.
 */
export const RunDispatch = RunJob.extend({
  /**
   * The sweep's band across teams, -10..10 (higher first): its priority when an admin key submitted it, else 0
   * (a member's priority ranks only within the team, see `ahead`). @defaultValue 0
   */
  priority: z.int().min(-10).max(10).optional(),
  /** The run's ordinal in its sweep's expansion (0 for the teacher): later runs yield to other sweeps' earlier ones. @defaultValue 0 */
  position: z.int().min(0).optional(),
  /** Running sweeps of the run's team in its band and of its priority, when the job was made (at least 1). @defaultValue 1 */
  teamSweeps: z.int().min(1).optional(),
  /** Open runs of the team's running sweeps of a higher priority in the same band, when the job was made. @defaultValue 0 */
  ahead: z.int().min(0).optional(),
  /** Not before this time (a retry's backoff); null or absent: at once. */
  notBefore: z.date().nullable().optional(),
});
export type RunDispatch = z.infer<typeof RunDispatch>;
