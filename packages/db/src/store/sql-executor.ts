import type { TransactionOptions } from './transaction-options.ts';

/**
 * The one way code reaches the results database: parameterised SQL written as tagged templates
 * (`sql.rows\`SELECT … WHERE id = ${id}::uuid\``: every `${}` is a bound parameter, never spliced text), and
 * transactions. A {@link Store} is one; inside a transaction, the executor handed to the callback is one too, and
 * its `transaction` joins the transaction it is in, so operations compose: an operation that needs a
 * transaction opens one on a store and joins the caller's inside one.
 *
 * Results come as the driver parses them: `count(*)` and `bigint` may be strings (pg) or numbers (PGlite), so
 * convert with Number or select `::int`; `jsonb` parsed, `timestamptz` as Date.
 */
export interface SqlExecutor {
  /** The statement's rows. */
  rows<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]>;
  /** The number of rows the statement affected. */
  run(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws, tried again when the
   * database aborted it for a reason another try may not meet (see {@link TransactionOptions.tries}). Inside a
   * transaction, `fn` joins it (no retry: the owner of the transaction decides).
   */
  transaction<T>(fn: (sql: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
}
