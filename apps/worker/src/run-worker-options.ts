import type { PrismaClient } from '@distillery/db';

export interface RunWorkerOptions {
  db: PrismaClient;
  redisUrl: string;
  /** Queue key prefix; must match the API's. @defaultValue 'distillery' */
  prefix?: string;
  /**
   * Runs executed at once by this process. TensorFlow.js on wasm is single-threaded, so more than one only
   * interleaves; scale out with processes instead. @defaultValue 1
   */
  concurrency?: number;
  /** Shown on the runs this worker executes. @defaultValue `<hostname>:<pid>` */
  workerId?: string;
  /** TensorFlow.js backend: tensorflow | wasm | cpu. @defaultValue env DISTILLERY_BACKEND, else wasm */
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /**
   * How long a job's lock lives without renewal before BullMQ hands it to another worker. Training blocks the
   * event loop for a batch at a time, so this is generous. @defaultValue 120000 ms
   */
  lockDurationMs?: number;
}

export const RUN_WORKER_DEFAULTS = {
  concurrency: 1,
  lockDurationMs: 120_000,
} as const;
