import type { MessagePort } from 'node:worker_threads';
import type { BackendName, BatchPosition, ExecuteRunInput, RunOutcome, TrainingCheckpoint } from '@distillery/ml';
import type { DatasetSpec, EpochMetrics } from '@distillery/spec';
import type { SerializedError } from './thread-errors.ts';

/**
 * The messages between a training pool (the main thread: database, queue, checkpoint store, cancellations) and
 * one of its training threads (TensorFlow.js and the wasm kernels), one task at a time per thread.
 *
 * Glossary.
 * - task: one unit of training a thread executes to one outcome (today a run; a pack of students is a task of
 *   several members).
 * - member: one run within a task, with its own callbacks; a run's task has one member, 0.
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

/** A unit of work for a thread, by kind. */
export type ThreadTask = { kind: 'run'; input: ThreadRunInput };

/** What a task's thread sends back when it ends well, by the task's kind. */
export type ThreadTaskOutcome = { kind: 'run'; outcome: RunOutcome };

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
  | { type: 'succeeded'; task: number; result: ThreadTaskOutcome }
  | { type: 'failed'; task: number; error: SerializedError };

/** A thread's request for a data set, answered on the same port (see dataset-channel.ts). */
export interface DatasetRequest {
  spec: DatasetSpec;
  dataRoots: readonly string[];
}
