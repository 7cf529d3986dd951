import {
  type ClaimedRunRow,
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
  type Store,
} from '@distillery/db';
import { type ExecuteRunInput, executeRun, MlError, type ModelArtifact, type RunOutcome } from '@distillery/ml';
import { DEFAULT_MAX_ATTEMPTS, NO_DATA_ROOTS, RunConfig, runEpochs, teamDataRoots } from '@distillery/spec';
import { BatchProgressReporter, DEFAULT_BATCH_PROGRESS_INTERVAL_MS } from './batch-progress-reporter.ts';
import { TRAINING_CHECKPOINTS, type TrainingCheckpoint } from './checkpoints/training-checkpoints.ts';
import type { ExecutorListener } from './executor/executor-event.ts';
import { RUN_EXECUTOR_DEFAULTS } from './executor/run-executor-options.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import { loadAncestors } from './load-ancestors.ts';
import { retryBackoff } from './retry-backoff.ts';
import { RunControl, type StopReason } from './run-control.ts';
import { describeError, isPermanentRunError, NonFiniteLossError, StoredConfigError } from './run-errors.ts';

/** The job context with its defaults resolved. */
export type AttemptContext = JobContext & { emit: ExecutorListener };

/**
 * One claimed run's execution under its attempt, whether it trains alone or in a pack: its {@link RunControl}
 * (registered with the worker for cancellations and shutdown), its heartbeat, its epoch, progress and checkpoint
 * records, and how it ends (result stored, or stopped, released, retried or failed). Every write is
 * conditional on the run still being `running` under the claimed attempt, so a cancelled or taken-over run
 * writes nothing more and no run ever gets two results. Errors of the run itself fail it (permanent) or queue a
 * retry of this run alone.
 *
 * Order of use: {@link begin}, {@link prepare} (its error goes to {@link fail}), {@link finish} with the
 * training's promise, then {@link end} in a `finally`.
 */
export class RunAttempt {
  readonly control: RunControl;
  private readonly progress: BatchProgressReporter;
  private readonly started = performance.now();
  private stopHeartbeat: (() => void) | undefined;
  private input: ExecuteRunInput | undefined;
  private wroteCheckpoint = false;
  private epochs = 0;

  constructor(
    readonly run: ClaimedRunRow,
    private readonly ctx: AttemptContext,
  ) {
    this.control = new RunControl(run.id, run.attempt);
    const { db, emit } = ctx;
    this.progress = new BatchProgressReporter(
      (position) => recordBatchProgress(db, run.id, { attempt: run.attempt, ...position }),
      ctx.batchProgressIntervalMs ?? DEFAULT_BATCH_PROGRESS_INTERVAL_MS,
      (error) => emit({ type: 'progress-not-recorded', runId: run.id, message: describeError(error) }),
    );
  }

  /** Registers the run with the worker and starts its heartbeat. */
  begin(): void {
    this.ctx.active?.set(this.run.id, this.control);
    this.stopHeartbeat = startHeartbeat(this.ctx, this.control);
  }

  /** Stops the heartbeat and unregisters the run. */
  end(): void {
    this.stopHeartbeat?.();
    if (this.ctx.active?.get(this.run.id) === this.control) this.ctx.active.delete(this.run.id);
  }

  /**
   * Reads what the run trains from (its config, parent, a prune run's teacher, the synthetic data set of a run on
   * synthetic data, its checkpoint to resume from),
   * says it started, and returns packages/ml's input, whose callbacks record each epoch, progress and checkpoint.
   */
  async prepare(): Promise<ExecuteRunInput> {
    const { run, control, ctx } = this;
    const { db, emit } = ctx;
    const { id, attempt } = run;
    const loadModel = ctx.loadModel ?? ((runId: string) => readModel(db, runId));
    const parsed = RunConfig.safeParse(run.config);
    if (!parsed.success) throw new StoredConfigError(`the run's stored config is invalid: ${parsed.error.message}`);
    const config = parsed.data;
    // A prune run retrains against its student's teacher; a run on synthetic data reads its synthesize run's data.
    const { parent, teacher, synthetic } = await loadAncestors(db, run, config, loadModel);
    const store = ctx.checkpoints;
    const epochs = runEpochs(config);
    this.epochs = epochs;
    control.checkpointing = store !== undefined && (ctx.checkpointsSupported ?? TRAINING_CHECKPOINTS) && epochs > 0;
    let resumeFrom: TrainingCheckpoint | undefined;
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
    const { progress } = this;
    const input: ExecuteRunInput = {
      config,
      ...(parent ? { parent } : {}),
      ...(teacher ? { teacher } : {}),
      ...(synthetic ? { synthetic } : {}),
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
        this.wroteCheckpoint = true;
        const recorded = await recordCheckpoint(db, { runId: id, attempt, epoch: checkpoint.epoch, ...saved });
        if (!recorded) control.stop(await whyLost(db, id));
        else if (control.stopAfterCheckpoint) control.stop('shutdown');
      };
    }
    this.input = input;
    return input;
  }

  /**
   * Settles the run with its training's outcome: stores the result and model and releases its children, or ends
   * the attempt as its error says. A checkpoint packages/ml refused (another backend, a changed parent, a
   * damaged file) is dropped and the run trains again from its start, alone.
   */
  async finish(training: Promise<RunOutcome>): Promise<JobOutcome> {
    const { run, control, ctx, progress } = this;
    const { db, emit } = ctx;
    const { id, attempt } = run;
    const input = this.input;
    if (input === undefined) throw new Error('RunAttempt.finish before prepare');
    try {
      let outcome: RunOutcome;
      try {
        outcome = await training;
      } catch (error) {
        // packages/ml refuses such a checkpoint before training, and starting again without it is the way on.
        if (!(input.resumeFrom && error instanceof MlError && error.code === 'CHECKPOINT')) throw error;
        emit({ type: 'checkpoint-refused', runId: id, reason: error.message });
        delete input.resumeFrom;
        await dropCheckpoint(ctx, id);
        await markResumed(db, id, attempt, 0, this.epochs);
        outcome = await (ctx.executeRun ?? executeRun)(input);
      }
      await progress.settle();
      const { artifact, ...measured } = outcome;
      const { completed, released } = await completeRun(
        db,
        id,
        attempt,
        { ...measured, seconds: (performance.now() - this.started) / 1000 },
        artifact.files,
      );
      if (!completed) {
        const reason = control.stopReason ?? (await whyLost(db, id));
        const discarded = reason === 'cancelled' ? 'cancelled' : 'superseded';
        emit({ type: 'result-discarded', runId: id, reason: discarded });
        return discarded;
      }
      // Only a run that may have left a checkpoint (this attempt or an earlier one) costs a delete.
      if (this.wroteCheckpoint || attempt > 1) await dropCheckpoint(ctx, id);
      await ctx.enqueue(released);
      emit({ type: 'run-succeeded', runId: id, accuracy: outcome.accuracy, bytes: outcome.bytes });
      return 'succeeded';
    } catch (error) {
      return this.fail(error);
    }
  }

  /** After the attempt stopped with `error`: stop quietly, release, retry or fail — in that order of precedence. */
  async fail(error: unknown): Promise<JobOutcome> {
    const { run, control, ctx } = this;
    const { db, emit } = ctx;
    const { id, attempt } = run;
    await this.progress.settle();
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
}

/** Why a write for a run found it no longer `running` under the attempt. */
async function whyLost(db: Store, runId: string): Promise<StopReason> {
  return (await readRunState(db, runId)) === 'cancelled' ? 'cancelled' : 'superseded';
}

/** Writes the run's heartbeat every interval; stops the run when the database says it is no longer ours. */
function startHeartbeat(ctx: AttemptContext, control: RunControl): () => void {
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
async function dropCheckpoint(ctx: AttemptContext, runId: string): Promise<void> {
  if (!ctx.checkpoints) return;
  try {
    await ctx.checkpoints.delete(runId);
    await deleteCheckpointRecord(ctx.db, runId);
  } catch (e) {
    ctx.emit({ type: 'checkpoint-cleanup-failed', runId, message: (e as Error).message });
  }
}

/** A stored run's model, as packages/ml reads it. */
export async function readModel(db: Store, runId: string): Promise<ModelArtifact> {
  const files = await loadArtifacts(db, runId);
  if (files.length === 0) throw new Error(`parent run ${runId} has no stored model`);
  return { files };
}
