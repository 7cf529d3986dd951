import {
  claimRun,
  completeRun,
  failRun,
  loadArtifacts,
  type PrismaClient,
  type ReleasedRun,
  recordEpoch,
} from '@distillery/db';
import { executeRun, type ModelArtifact } from '@distillery/ml';
import type { RunJob } from '@distillery/queue';
import { RunConfig } from '@distillery/spec';

export interface JobContext {
  db: PrismaClient;
  workerId: string;
  /** Puts released children on the queue. */
  enqueue: (runs: ReleasedRun[]) => Promise<void>;
  log: (message: string) => void;
}

export type JobOutcome = 'succeeded' | 'failed' | 'skipped';

/**
 * Executes one queued run: claim it in PostgreSQL, train/quantize it with packages/ml, store its epochs,
 * result and model, then release its children. A run that cannot be claimed (stale attempt, cancelled) is
 * skipped. Errors of the run itself mark it failed; the job still completes (PostgreSQL decides retries).
 */
export async function executeJob(job: RunJob, ctx: JobContext): Promise<JobOutcome> {
  const claimed = await claimRun(ctx.db, job.runId, job.attempt, ctx.workerId);
  if (!claimed) return 'skipped';
  const { run } = claimed;
  const started = performance.now();
  try {
    const config = RunConfig.parse(run.config);
    const parent = run.parentId ? await loadModel(ctx.db, run.parentId) : undefined;
    ctx.log(`run ${run.id} (${run.kind} ${run.label}) started, attempt ${run.attempt}`);
    const outcome = await executeRun({
      config,
      ...(parent ? { parent } : {}),
      onEpoch: async (m) => {
        await recordEpoch(ctx.db, run.id, run.attempt, m);
      },
    });
    const released = await completeRun(
      ctx.db,
      run.id,
      run.attempt,
      {
        accuracy: outcome.accuracy,
        loss: outcome.loss,
        parameters: outcome.parameters,
        bytes: outcome.bytes,
        bits: outcome.bits,
        backend: outcome.backend,
        seconds: (performance.now() - started) / 1000,
      },
      outcome.artifact.files,
    );
    await ctx.enqueue(released);
    ctx.log(`run ${run.id} succeeded: accuracy ${outcome.accuracy.toFixed(4)}, ${outcome.bytes} bytes`);
    return 'succeeded';
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await failRun(ctx.db, run.id, run.attempt, message);
    ctx.log(`run ${run.id} failed: ${message}`);
    return 'failed';
  }
}

async function loadModel(db: PrismaClient, runId: string): Promise<ModelArtifact> {
  const files = await loadArtifacts(db, runId);
  if (files.length === 0) throw new Error(`parent run ${runId} has no stored model`);
  return { files };
}
