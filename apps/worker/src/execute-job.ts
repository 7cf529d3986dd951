import {
  claimRun,
  completeRun,
  deleteCheckpointRecord,
  failRun,
  heartbeatRun,
  loadArtifacts,
  markResumed,
  readRunState,
  recordBatchProgress,
  recordCheckpoint,
  recordEpoch,
  retryRun,
  runParentId,
  type Store,
} from '@distillery/db';
import { type ExecuteRunInput, executeRun, MlError, type ModelArtifact, type RunOutcome } from '@distillery/ml';
import {
  type DataRoots,
  DEFAULT_MAX_ATTEMPTS,
  NO_DATA_ROOTS,
  RunConfig,
  type RunDispatch,
  type RunJob,
  runEpochs,
  teamDataRoots,
} from '@distillery/spec';
import { BatchProgressReporter, DEFAULT_BATCH_PROGRESS_INTERVAL_MS } from './batch-progress-reporter.ts';
import type { CheckpointStore } from './checkpoints/checkpoint-store.ts';
import { type ExecuteRun, TRAINING_CHECKPOINTS, type TrainingCheckpoint } from './checkpoints/training-checkpoints.ts';
import type { ExecutorListener } from './executor/executor-event.ts';
import { RUN_EXECUTOR_DEFAULTS } from './executor/run-executor-options.ts';
import { retryBackoff } from './retry-backoff.ts';
import { RunControl, type StopReason } from './run-control.ts';
import { describeError, isPermanentRunError, NonFiniteLossError, StoredConfigError } from './run-errors.ts';

export interface JobContext {
  db: Store;
  workerId: string;
  /** Puts released children and retries on the queue. */
  enqueue: (runs: RunDispatch[]) => Promise<void>;
  /** Receives what happens to the run (started, succeeded, retried…). @defaultValue ignore */
  emit?: ExecutorListener | undefined;
  /** Where checkpoints go; without one, runs are not checkpointed and a retry restarts from epoch 0. */
  checkpoints?: CheckpointStore | undefined;
  /** Whether packages/ml checkpoints and resumes. @defaultValue its `TRAINING_CHECKPOINTS` export */
  checkpointsSupported?: boolean | undefined;
  /** @defaultValue packages/ml's executeRun */
  executeRun?: ExecuteRun | undefined;
  /** Failed attempts (errors, lost workers) before a run fails for good. @defaultValue DEFAULT_MAX_ATTEMPTS (3) */
  maxAttempts?: number | undefined;
  /** Pause before a retry, by failures so far, in ms. @defaultValue retryBackoff() (5 s, doubling, ≤ 5 min) */
  backoff?: ((failures: number) => number) | undefined;
  /** How often the run's heartbeat is written while it executes, in ms. @defaultValue 5000 */
  heartbeatIntervalMs?: number | undefined;
  /**
   * How often, at most, a training run's progress within its epoch (batch of batches) is written, in ms.
   * @defaultValue DEFAULT_BATCH_PROGRESS_INTERVAL_MS (1000)
   */
  batchProgressIntervalMs?: number | undefined;
  /** The worker's registry of runs it executes (for cancellations and shutdown), keyed by run id. */
  active?: Map<string, RunControl> | undefined;
  /**
   * Where a run's `dataset.path` may resolve: the shared roots and its own team's folder, checked again when the
   * data are read (files can change after submission). @defaultValue NO_DATA_ROOTS (no path-based data set)
   */
  dataRoots?: DataRoots | undefined;
}

/**
 * What became of a job.
 * - succeeded / failed: the run finished (failed: for good, reason stored).
 * - retried: it failed in a way a retry may fix; attempt + 1 is queued after a backoff.
 * - released: the worker shut down; attempt + 1 is queued at once, to resume from the last checkpoint.
 * - cancelled: a user cancelled it while it ran. superseded: another worker took it over.
 * - skipped: nothing to do (stale attempt, cancelled before it started, already finished).
 */
export type JobOutcome = 'succeeded' | 'failed' | 'retried' | 'released' | 'cancelled' | 'superseded' | 'skipped';

/**
 * Executes one queued run: claim it in PostgreSQL, resume it from its checkpoint if it has one, train/quantize
 * it with packages/ml while heart-beating, storing each epoch and checkpoint, then store its result and model
 * and release its children. Every write is conditional on the run still being `running` under the claimed
 * attempt, so a cancelled or taken-over run writes nothing more and no run ever gets two results. Errors of
 * the run itself fail it (permanent) or queue a retry; the job itself still completes (PostgreSQL decides).
 */
export async function executeJob(job: RunJob, ctx: JobContext): Promise<JobOutcome> {
  const maxAttempts = ctx.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const context: Context = { ...ctx, emit: ctx.emit ?? (() => {}) };
  const { emit } = context;
  const claimed = await claimRun(ctx.db, job.runId, job.attempt, ctx.workerId, { maxAttempts });
  if (!claimed) return 'skipped';
  const { run, redelivered } = claimed;
  const control = new RunControl(run.id, run.attempt);
  ctx.active?.set(run.id, control);
  const stopHeartbeat = startHeartbeat(context, control);
  try {
    if (redelivered) emit({ type: 'run-taken-over', runId: run.id, attempt: run.attempt });
    return await execute(run, control, context);
  } finally {
    stopHeartbeat();
    if (ctx.active?.get(run.id) === control) ctx.active.delete(run.id);
  }
}

/** The job context with its defaults resolved. */
type Context = JobContext & { emit: ExecutorListener };

async function execute(
  run: {
    id: string;
    teamId: string;
    label: string;
    attempt: number;
    parentId: string | null;
    config: unknown;
  },
  control: RunControl,
  ctx: Context,
): Promise<JobOutcome> {
  const { db, emit } = ctx;
  const { id, attempt } = run;
  const started = performance.now();
  const progress = new BatchProgressReporter(
    (position) => recordBatchProgress(db, id, { attempt, ...position }),
    ctx.batchProgressIntervalMs ?? DEFAULT_BATCH_PROGRESS_INTERVAL_MS,
    (error) => emit({ type: 'progress-not-recorded', runId: id, message: describeError(error) }),
  );
  try {
    const parsed = RunConfig.safeParse(run.config);
    if (!parsed.success) throw new StoredConfigError(`the run's stored config is invalid: ${parsed.error.message}`);
    const config = parsed.data;
    const parent = run.parentId ? await loadModel(db, run.parentId) : undefined;
    // A prune run retrains against its student's teacher: the parent's parent.
    const teacherId = config.kind === 'prune' && run.parentId ? await runParentId(db, run.parentId) : null;
    const teacher = teacherId ? await loadModel(db, teacherId) : undefined;
    const store = ctx.checkpoints;
    const epochs = runEpochs(config);
    control.checkpointing = store !== undefined && (ctx.checkpointsSupported ?? TRAINING_CHECKPOINTS) && epochs > 0;
    let resumeFrom: TrainingCheckpoint | undefined;
    let wroteCheckpoint = false;
    if (control.checkpointing && store) {
      const stored = await store.load(id);
      if (stored && stored.epoch > 0 && stored.epoch < epochs) {
        resumeFrom = { epoch: stored.epoch, files: stored.files };
        await markResumed(db, id, attempt, stored.epoch, epochs);
      }
    }
    emit({
      type: 'run-started',
      runId: id,
      kind: config.kind,
      label: run.label,
      attempt,
      resumedAfterEpoch: resumeFrom?.epoch ?? null,
      epochs,
    });
    const input: ExecuteRunInput = {
      config,
      ...(parent ? { parent } : {}),
      ...(teacher ? { teacher } : {}),
      signal: control.signal,
      dataRoots: teamDataRoots(ctx.dataRoots ?? NO_DATA_ROOTS, run.teamId),
      onBatch: (position) => progress.report(position),
      onEpoch: async (m) => {
        if (!Number.isFinite(m.trainLoss)) throw new NonFiniteLossError(m.epoch, m.trainLoss);
        await progress.settle();
        if (!(await recordEpoch(db, id, attempt, m))) control.stop(await whyLost(db, id));
      },
    };
    if (control.checkpointing && store) {
      if (resumeFrom) input.resumeFrom = resumeFrom;
      input.onCheckpoint = async (checkpoint) => {
        // After the last epoch the run completes at once: nothing would ever resume from this checkpoint.
        if (checkpoint.epoch >= epochs) return;
        const saved = await store.save(id, attempt, checkpoint);
        wroteCheckpoint = true;
        const recorded = await recordCheckpoint(db, { runId: id, attempt, epoch: checkpoint.epoch, ...saved });
        if (!recorded) control.stop(await whyLost(db, id));
        else if (control.stopAfterCheckpoint) control.stop('shutdown');
      };
    }
    const execute = ctx.executeRun ?? executeRun;
    let outcome: RunOutcome;
    try {
      outcome = await execute(input);
    } catch (error) {
      // A checkpoint this run cannot continue from (another backend, a changed parent, a damaged file): packages/ml
      // refuses it before training, and starting again without it is the way on.
      if (!(input.resumeFrom && error instanceof MlError && error.code === 'CHECKPOINT')) throw error;
      emit({ type: 'checkpoint-refused', runId: id, reason: error.message });
      delete input.resumeFrom;
      await dropCheckpoint(ctx, id);
      await markResumed(db, id, attempt, 0, epochs);
      outcome = await execute(input);
    }
    await progress.settle();
    const { artifact, ...measured } = outcome;
    const { completed, released } = await completeRun(
      db,
      id,
      attempt,
      { ...measured, seconds: (performance.now() - started) / 1000 },
      artifact.files,
    );
    if (!completed) {
      const reason = control.stopReason ?? (await whyLost(db, id));
      const discarded = reason === 'cancelled' ? 'cancelled' : 'superseded';
      emit({ type: 'result-discarded', runId: id, reason: discarded });
      return discarded;
    }
    // Only a run that may have left a checkpoint (this attempt or an earlier one) costs a delete.
    if (wroteCheckpoint || attempt > 1) await dropCheckpoint(ctx, id);
    await ctx.enqueue(released);
    emit({ type: 'run-succeeded', runId: id, accuracy: outcome.accuracy, bytes: outcome.bytes });
    return 'succeeded';
  } catch (error) {
    await progress.settle();
    return settleFailure(run, control, ctx, error);
  }
}

/** After an attempt stopped with `error`: stop quietly, release, retry or fail — in that order of precedence. */
async function settleFailure(
  run: { id: string; attempt: number },
  control: RunControl,
  ctx: Context,
  error: unknown,
): Promise<JobOutcome> {
  const { db, emit } = ctx;
  const { id, attempt } = run;
  const maxAttempts = ctx.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  switch (control.stopReason) {
    case 'cancelled':
      emit({ type: 'run-stopped', runId: id, reason: 'cancelled' });
      await dropCheckpoint(ctx, id);
      return 'cancelled';
    case 'superseded':
      emit({ type: 'run-stopped', runId: id, reason: 'superseded' });
      return 'superseded';
    case 'shutdown': {
      const r = await retryRun(db, id, attempt, {
        message: `released by worker ${ctx.workerId} on shutdown`,
        countsAsFailure: false,
        maxAttempts,
      });
      if (r.outcome === 'retried') await ctx.enqueue([r.job]);
      const outcome = r.outcome === 'stale' ? 'superseded' : r.outcome;
      emit({ type: 'run-released', runId: id, outcome });
      return outcome === 'retried' ? 'released' : outcome;
    }
  }
  const message = describeError(error);
  if (isPermanentRunError(error)) {
    await failRun(db, id, attempt, message);
    await dropCheckpoint(ctx, id);
    emit({ type: 'run-failed', runId: id, attempt, permanent: true, message });
    return 'failed';
  }
  const r = await retryRun(db, id, attempt, { message, maxAttempts, delayMs: ctx.backoff ?? retryBackoff() });
  if (r.outcome === 'retried') {
    await ctx.enqueue([r.job]);
    emit({ type: 'run-retried', runId: id, attempt, nextAttempt: r.job.attempt, message });
    return 'retried';
  }
  if (r.outcome === 'failed') {
    await dropCheckpoint(ctx, id);
    emit({ type: 'run-failed', runId: id, attempt, permanent: false, message });
    return 'failed';
  }
  return 'superseded';
}

/** Why a write for a run found it no longer `running` under the attempt. */
async function whyLost(db: Store, runId: string): Promise<StopReason> {
  return (await readRunState(db, runId)) === 'cancelled' ? 'cancelled' : 'superseded';
}

/** Writes the run's heartbeat every interval; stops the run when the database says it is no longer ours. */
function startHeartbeat(ctx: Context, control: RunControl): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy || control.stopReason !== undefined) return;
    busy = true;
    heartbeatRun(ctx.db, control.runId, control.attempt)
      .then(async (alive) => {
        if (!alive) control.stop(await whyLost(ctx.db, control.runId));
      })
      .catch((e: Error) => ctx.emit({ type: 'heartbeat-failed', runId: control.runId, message: e.message }))
      .finally(() => {
        busy = false;
      });
  }, ctx.heartbeatIntervalMs ?? RUN_EXECUTOR_DEFAULTS.heartbeatIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Best effort: the reconciler removes whatever is left (checkpoints of finished runs). */
async function dropCheckpoint(ctx: Context, runId: string): Promise<void> {
  if (!ctx.checkpoints) return;
  try {
    await ctx.checkpoints.delete(runId);
    await deleteCheckpointRecord(ctx.db, runId);
  } catch (e) {
    ctx.emit({ type: 'checkpoint-cleanup-failed', runId, message: (e as Error).message });
  }
}

async function loadModel(db: Store, runId: string): Promise<ModelArtifact> {
  const files = await loadArtifacts(db, runId);
  if (files.length === 0) throw new Error(`parent run ${runId} has no stored model`);
  return { files };
}
