import type { RunJob } from './run-job.ts';

export interface InProcessQueueOptions {
  /**
   * Jobs executed at once. TensorFlow.js on wasm is single-threaded, so more than one only interleaves
   * batches. @defaultValue 1
   */
  concurrency?: number;
  /** Told about a job whose handler threw (the run's state is in the database regardless). @defaultValue ignore */
  onError?: (error: unknown, job: RunJob) => void;
}

export const IN_PROCESS_QUEUE_DEFAULTS = { concurrency: 1 } as const;
