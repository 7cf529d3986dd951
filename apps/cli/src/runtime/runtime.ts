import type { RunEventSource, Store } from '@distillery/db';
import type { QueueProbe, RunDispatcher } from '@distillery/queue';
import type { DataRoots } from '@distillery/spec';
import type { ExecutorListener } from '@distillery/worker';

/** How much an executor takes on: runs trained at once (training threads), and runs per pack at most. */
export interface ExecutorSize {
  threads: number;
  packMax: number;
}

/** One line a runtime tells about itself (store opened, executor ready, runs starting and finishing). */
export type RuntimeLog = (message: string) => void;

/**
 * What `serve`, `demo` and `run` need, whichever the deployment: a results database, a queue (and its readiness
 * probe) for the API, a wake-up source for SSE streams, and — when asked — run execution in this process
 * (the in-process executor on the embedded store; a BullMQ worker on a server).
 */
export interface Runtime {
  mode: 'embedded' | 'server';
  /** Where the results live, for a status line: the data folder, or the PostgreSQL server. */
  where: string;
  db: Store;
  queue: RunDispatcher;
  probe: QueueProbe;
  events: RunEventSource;
  /** Where `dataset.path` may point (the API checks submissions against it; this process's executor too). */
  dataRoots: DataRoots;
  /**
   * Starts executing runs in this process (loads TensorFlow.js), telling `listener` what the executor does;
   * the backend in use and the executor's id.
   */
  startExecution(listener: ExecutorListener): Promise<{ backend: string; workerId: string } & ExecutorSize>;
  /** An API key of `team` for this process's own requests (the embedded store keeps one for its local team). */
  apiKey(team: string): Promise<string>;
  /** Stops execution (running runs are released to resume later) and closes every connection. */
  close(): Promise<void>;
}
