import { type ClaimedRunRow, claimPack } from '@distillery/db';
import { executeRun } from '@distillery/ml';
import { DEFAULT_MAX_ATTEMPTS, type RunJob } from '@distillery/spec';
import type { JobContext, JobOutcome } from './job-context.ts';
import { executePackJob } from './pack/execute-pack-job.ts';
import { type AttemptContext, RunAttempt } from './run-attempt.ts';

export type { JobContext, JobOutcome } from './job-context.ts';

/**
 * Executes one queued run: claim it in PostgreSQL, resume it from its checkpoint if it has one, train/quantize
 * it with packages/ml while heart-beating, storing each epoch and checkpoint, then store its result and model
 * and release its children (see {@link RunAttempt}). With `packMax` > 1 the claim also takes queued runs that
 * may train with it (same sweep, parent and pack key), and they train together as one pack, each still settled
 * as its own run ({@link executePackJob}). Errors of a run itself fail it (permanent) or queue a retry; the job
 * itself still completes (PostgreSQL decides). Returns what became of the job's own run.
 */
export async function executeJob(job: RunJob, ctx: JobContext): Promise<JobOutcome> {
  const maxAttempts = ctx.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const packMax = ctx.packMax ?? 1;
  const context: AttemptContext = { ...ctx, emit: ctx.emit ?? (() => {}) };
  const claimed = await claimPack(ctx.db, job.runId, job.attempt, ctx.workerId, { maxAttempts, packMax });
  if (!claimed) return 'skipped';
  const { run, redelivered, members } = claimed;
  if (redelivered) context.emit({ type: 'run-taken-over', runId: run.id, attempt: run.attempt });
  if (members.length > 0) return executePackJob([run, ...members], context);
  return executeAlone(run, context);
}

/** A run trained alone, as packages/ml's `executeRun`. */
async function executeAlone(run: ClaimedRunRow, ctx: AttemptContext): Promise<JobOutcome> {
  const attempt = new RunAttempt(run, ctx);
  attempt.begin();
  try {
    let input: Awaited<ReturnType<RunAttempt['prepare']>>;
    try {
      input = await attempt.prepare();
    } catch (error) {
      return await attempt.fail(error);
    }
    return await attempt.finish((ctx.executeRun ?? executeRun)(input));
  } finally {
    attempt.end();
  }
}
