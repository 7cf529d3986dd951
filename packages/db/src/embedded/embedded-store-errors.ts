// Typed errors of the embedded store. Classify them by `instanceof` or `code`, never by message text.

import { codedError } from '../coded-error.ts';

/**
 * Another live process has the store open. PGlite is PostgreSQL in one process: two processes writing one data
 * folder would corrupt it, so the second one is refused. Stop the other (`distillery serve`, a `run`), or point
 * one of them at another folder (`DISTILLERY_DATA_DIR`), or use PostgreSQL + Redis for concurrent processes.
 */
export class EmbeddedStoreLockedError extends codedError('EMBEDDED_STORE_LOCKED') {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded store ${dataDir} is in use by process ${pid} (one process at a time: stop it, set ` +
        'DISTILLERY_DATA_DIR to another folder, or configure DATABASE_URL and REDIS_URL for a shared server)',
    );
  }
}

/** The data folder could not be created or opened as a database (not writable, damaged, another PGlite version). */
export class EmbeddedStoreOpenError extends codedError('EMBEDDED_STORE_OPEN_FAILED') {
  constructor(
    readonly dataDir: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot open the embedded store ${dataDir}: ${detail}`, options);
  }
}
