import type { RunJob } from '@distillery/spec';

export type { RunDispatch, RunJob } from '@distillery/spec';

/**
 * One job per run attempt: queuing the same attempt twice is a no-op in BullMQ (duplicate job id), which
 * makes releasing children idempotent under redelivery. BullMQ forbids ':' in custom ids.
 */
export function runJobId(job: RunJob): string {
  return `run-${job.runId}-${job.attempt}`;
}
