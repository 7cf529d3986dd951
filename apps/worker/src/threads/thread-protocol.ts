import type { MessagePort } from 'node:worker_threads';
import type {
  BackendName,
  BatchPosition,
  ExecutePackOptions,
  ExecuteRunInput,
  RunOutcome,
  TrainingCheckpoint,
} from '@distillery/ml';
import type { DatasetSpec, EpochMetrics } from '@distillery/spec';
import type { SerializedError } from './thread-errors.ts';

/**
 * The messages between a training pool (the main thread: database, queue, checkpoint store, cancellations) and
 * one of its training threads (TensorFlow.js and the wasm kernels), one task at a time per thread.
 *
 * Glossary.
 * - task: one unit of training a thread executes at a time: a run, or a pack of students trained together.
 * - member: one run within a task, with its own callbacks, abort and outcome; a run's task has one member, 0.
 * - call: one awaited callback (an epoch, a checkpoint): the thread waits for the main thread's reply before it
 *   goes on, as packages/ml awaits `onEpoch` and `onCheckpoint` in one thread.
 */

/** What a thread is told when it starts (its `workerData`). */
export interface ThreadStart {
  /** @defaultValue packages/ml's default (env DISTILLERY_BACKEND, else wasm) */
  backend: BackendName | undefined;
  /** Where the thread asks for data sets: the main thread holds each one once, in SharedArrayBuffers. */
  datasets: MessagePort;
  /** One Int32 the main thread sets to 1 (and notifies) once it has answered a data-set request. */
  datasetReply: Int32Array;
}

/** A run's input as it crosses to a thread: ExecuteRunInput without its functions and signal. */
export type ThreadRunInput = Omit<ExecuteRunInput, 'onEpoch' | 'onBatch' | 'onCheckpoint' | 'signal'> & {
  /** Which callbacks the caller gave: the thread reports only those (a checkpoint costs an encoding). */
  callbacks: { epoch: boolean; batch: boolean; checkpoint: boolean };
};

/** A unit of work for a thread, by kind: packages/ml's `executeRun` of one run, or `executePack` of several. */
export type ThreadTask =
  | { kind: 'run'; input: ThreadRunInput }
  | { kind: 'pack'; members: ThreadRunInput[]; options: ExecutePackOptions };

export type ToThread =
  | { type: 'task'; task: number; work: ThreadTask }
  /** Stop the task between batches (cancel, shutdown, superseded): its outcome is then an AbortError. */
  | { type: 'abort'; task: number; member: number; reason: unknown }
  /** The main thread finished an awaited callback; `failed`: it threw (the main thread keeps the error). */
  | { type: 'reply'; call: number; failed: boolean };

export type FromThread =
  | { type: 'ready'; backend: string; log: string[] }
  | { type: 'start-failed'; error: SerializedError }
  | { type: 'epoch'; task: number; member: number; call: number; metrics: EpochMetrics }
  | { type: 'checkpoint'; task: number; member: number; call: number; checkpoint: TrainingCheckpoint }
  | { type: 'batch'; task: number; member: number; position: BatchPosition }
  /** One member's outcome; a pack's members settle one by one, each on its own. */
  | { type: 'member-succeeded'; task: number; member: number; outcome: RunOutcome }
  | { type: 'member-failed'; task: number; member: number; error: SerializedError }
  /** Every member has settled: the thread takes the next task. */
  | { type: 'done'; task: number };

/** A thread's request for a data set, answered on the same port (see dataset-channel.ts). */
export interface DatasetRequest {
  spec: DatasetSpec;
  dataRoots: readonly string[];
}
