/**
 * Why a worker stops a run it is executing.
 * - cancelled: a user cancelled it (or its parent); nothing more is written for it.
 * - superseded: the database no longer has it `running` under this worker's attempt (another worker took it over
 *   after this one looked dead); nothing more is written.
 * - shutdown: the worker is stopping (SIGTERM); the run is released to the queue to resume elsewhere.
 */
export type StopReason = 'cancelled' | 'superseded' | 'shutdown';

/** The handle a worker keeps on each run it executes: its abort signal and how it should stop. */
export class RunControl {
  private readonly controller = new AbortController();
  private reason: StopReason | undefined;
  /** Whether the run writes checkpoints (a training run, with a store, on a packages/ml that supports them). */
  checkpointing = false;
  /** Set on shutdown for a checkpointing run: stop right after the next checkpoint is stored. */
  stopAfterCheckpoint = false;

  constructor(
    readonly runId: string,
    readonly attempt: number,
  ) {}

  /** Passed to packages/ml: training stops between batches once it is aborted. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopReason(): StopReason | undefined {
    return this.reason;
  }

  /** Stops the run (the first reason wins). */
  stop(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller.abort(reason);
  }
}
