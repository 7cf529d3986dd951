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
  /**
   * Start every thread as soon as the first is ready (in the background), instead of when tasks first wait
   * for them: a thread takes seconds to load its backend. false suits a process that rarely trains more
   * than one task at once and would rather not hold the others' memory. @defaultValue true
   */
  warm?: boolean;
}

/** The number of training threads a process runs unless told otherwise: one per core it may use. */
export function defaultThreadCount(): number {
  return availableParallelism();
}

/** The most training threads one process may run (each holds a backend and its memory). */
export const MAX_THREADS = 256;
