import type { JobRank } from './job-priority.ts';

/** The payload of a queued run. PostgreSQL holds everything else: the job is only a pointer. */
export interface RunJob {
  runId: string;
  /** The attempt this job was queued for; a stale job (older attempt) is dropped by the worker. */
  attempt: number;
}

/** A run to put on the queue: its job, its rank (see jobPriority) and, for a retry, when it may start. */
export interface RunDispatch extends RunJob, JobRank {
  /** Not before this time (a retry's backoff); null or absent: at once. */
  notBefore?: Date | null | undefined;
}

/**
 * One job per run attempt: queuing the same attempt twice is a no-op in BullMQ (duplicate job id), which
 * makes releasing children idempotent under redelivery. BullMQ forbids ':' in custom ids.
 */
export function runJobId(job: RunJob): string {
  return `run-${job.runId}-${job.attempt}`;
}
