export interface TransactionOptions {
  /**
   * Tries in all, the first included, when the database aborts the transaction transiently (a deadlock between
   * concurrent transitions, a serialization failure, a dropped connection: `isTransientDatabaseError`). Run
   * transitions are conditional on (state, attempt), so a repeated try is safe.
   * @defaultValue 4
   */
  tries?: number;
  /**
   * false: commit without waiting for the WAL flush (`synchronous_commit = off`). The commit is atomic and
   * visible at once, but a crash of PostgreSQL itself (not of a worker) within a fraction of a second may lose
   * it. Used for progress that is cheap to redo — a claim, an epoch's metrics, a checkpoint record — where the
   * flush (~3.5 ms here, more than all the statements) dominated; never for a result, failure or cancellation.
   * @defaultValue true
   */
  durable?: boolean;
}

export const TRANSACTION_DEFAULTS = { tries: 4, durable: true } as const satisfies Required<TransactionOptions>;
