import type { RunKind } from '@distillery/spec';
import type { JobOutcome } from '../job-context.ts';
import type { ReconcileReport } from '../reconciler/reconciler.ts';

/**
 * What a run executor (the BullMQ worker, the embedded mode's in-process executor) and its reconciler tell
 * about themselves, as data: the CLI's live view, the JSON log lines and the tests read these, never log text.
 * Each event names the run it is about (`runId`) when it is about one.
 */
export type ExecutorEvent =
  /** The executor takes jobs now. */
  | {
      type: 'ready';
      workerId: string;
      /** The TensorFlow.js backend in use. */
      backend: string;
      /** Runs trained at once: the training threads (or, with a substitute executeRun, jobs at once). */
      threads: number;
      /** Runs trained together as one pack at most (1: every run alone). */
      packMax: number;
      /** Whether runs are checkpointed (a store is configured and packages/ml supports it). */
      checkpoints: boolean;
      /** Whether a reconciler runs beside the executor. */
      reconciler: boolean;
    }
  /** At the embedded store's start: what a previous process left. */
  | { type: 'recovered'; orphaned: number; queued: number }
  /** A run claimed and about to execute. */
  | {
      type: 'run-started';
      runId: string;
      kind: RunKind;
      label: string;
      attempt: number;
      /** The epoch a resumed attempt continues after; null when it starts from the beginning. */
      resumedAfterEpoch: number | null;
      /** The run's epochs in all (0 for a run that does not train). */
      epochs: number;
    }
  /**
   * A job's run and the runs claimed with it start training together as one pack (`runIds`, the job's run
   * first; each also has its own `run-started`). A member whose preparation failed is not among them.
   */
  | {
      type: 'pack-started';
      leaderRunId: string;
      runIds: string[];
      /** The members' labels, in the order of `runIds`. */
      labels: string[];
    }
  /** Every member of the pack has settled, each with its own outcome (as a run trained alone would). */
  | { type: 'pack-finished'; leaderRunId: string; outcomes: { runId: string; outcome: JobOutcome }[] }
  /** The claim took the run over from a worker that stopped without releasing it. */
  | { type: 'run-taken-over'; runId: string; attempt: number }
  /** The run's checkpoint could not be resumed (another backend, a changed parent, a damaged file). */
  | { type: 'checkpoint-refused'; runId: string; reason: string }
  | { type: 'run-succeeded'; runId: string; accuracy: number; bytes: number }
  /** The run finished, but was cancelled or taken over meanwhile: its result was not stored. */
  | { type: 'result-discarded'; runId: string; reason: 'cancelled' | 'superseded' }
  /** The run stopped because it was cancelled, or because another worker holds it now. */
  | { type: 'run-stopped'; runId: string; reason: 'cancelled' | 'superseded' }
  /** A user cancelled a run this executor runs; it stops within a batch. */
  | { type: 'cancel-requested'; runId: string }
  /**
   * The executor shut down while the run executed: `retried` (queued again as its next attempt, not counted as
   * a failure), `failed` (no attempt left) or `superseded` (no longer ours).
   */
  | { type: 'run-released'; runId: string; outcome: 'retried' | 'failed' | 'superseded' }
  /** The attempt failed in a way a retry may fix; `nextAttempt` is queued after a backoff. */
  | { type: 'run-retried'; runId: string; attempt: number; nextAttempt: number; message: string }
  /** The run failed for good: a permanent error (`permanent`), or its last attempt failed. */
  | { type: 'run-failed'; runId: string; attempt: number; permanent: boolean; message: string }
  | { type: 'heartbeat-failed'; runId: string; message: string }
  /** Writing the run's progress within its epoch failed (the next report or epoch writes it again). */
  | { type: 'progress-not-recorded'; runId: string; message: string }
  /** Deleting a finished run's checkpoint failed (the reconciler deletes it later). */
  | { type: 'checkpoint-cleanup-failed'; runId: string; message: string }
  /** A job's handler threw (the run stays as PostgreSQL has it; the reconciler repairs it). */
  | { type: 'job-error'; runId: string; message: string }
  /** The queue connection reported an error. */
  | { type: 'executor-error'; message: string }
  /** A dedicated reconciler took its first pass. */
  | { type: 'reconciler-ready'; report: ReconcileReport }
  /** A running run's worker stopped heart-beating: the run was queued again (`retried`) or failed for good. */
  | {
      type: 'worker-lost';
      runId: string;
      workerId: string | null;
      outcome: 'retried' | 'failed';
      nextAttempt: number | null;
    }
  /** Queued runs whose job the queue no longer held, put back. */
  | { type: 'runs-requeued'; count: number }
  | { type: 'reconcile-failed'; message: string };

export type ExecutorEventType = ExecutorEvent['type'];

/** The event of one type. */
export type ExecutorEventOf<T extends ExecutorEventType> = Extract<ExecutorEvent, { type: T }>;

/** Receives every event of an executor (a log, a live view, a test's recorder). */
export type ExecutorListener = (event: ExecutorEvent) => void;
