import { availableParallelism } from 'node:os';
import type { BackendName } from '@distillery/ml';

export interface TrainingPoolOptions {
  /**
   * Training threads: tasks trained at once, each thread with its own TensorFlow.js backend (on wasm, its own
   * wasm instance). @defaultValue os.availableParallelism() (the cores this process may use)
   */
  threads?: number;
  /** The TensorFlow.js backend every thread loads. @defaultValue env DISTILLERY_BACKEND, else wasm */
  backend?: BackendName | undefined;
}

/** The number of training threads a process runs unless told otherwise: one per core it may use. */
export function defaultThreadCount(): number {
  return availableParallelism();
}

/** The most training threads one process may run (each holds a backend and its memory). */
export const MAX_THREADS = 256;
