import type pg from 'pg';
import { type PrismaClient, poolOf } from '../database-client.ts';
import type { DbExecutor } from '../runs/db-executor.ts';
import { isTransientDatabaseError } from '../transient/is-transient-error.ts';
import { sqlBackendOf } from './sql-backend.ts';

/**
 * Parameterised SQL written as tagged templates (`sql.rows\`SELECT … WHERE id = ${id}::uuid\``: every `${}` is a
 * bound parameter, never spliced text). The run life-cycle is written against this, so the same code runs on
 * a pg pool or connection (fast) and inside a Prisma interactive transaction (when it must compose with one).
 *
 * Results come as the pg driver parses them: `bigint` and `count(*)` as strings (convert with Number),
 * `jsonb` parsed, `timestamptz` as Date.
 */
export interface SqlExecutor {
  /** The statement's rows. */
  rows<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]>;
  /** The number of rows the statement affected. */
  run(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
}

/** Anything the run life-cycle accepts: a client from createDatabaseClient, a Prisma transaction, or SQL. */
export type Executor = SqlExecutor | DbExecutor;

function compile(strings: TemplateStringsArray): string {
  return strings.reduce((text, part, i) => `${text}$${i}${part}`);
}

function pgExecutor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    rows: async <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      (await client.query(compile(strings), values)).rows as T[],
    run: async (strings, ...values) => (await client.query(compile(strings), values)).rowCount ?? 0,
  };
}

function prismaExecutor(db: DbExecutor): SqlExecutor {
  return {
    rows: <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      db.$queryRawUnsafe<T[]>(compile(strings), ...values),
    run: (strings, ...values) => db.$executeRawUnsafe(compile(strings), ...values),
  };
}

function isSqlExecutor(db: Executor): db is SqlExecutor {
  return typeof (db as SqlExecutor).rows === 'function' && !('$queryRawUnsafe' in db);
}

/** SQL on `db`: its registered backend or pg pool when it has one, else through Prisma. */
export function sqlOf(db: Executor): SqlExecutor {
  if (isSqlExecutor(db)) return db;
  const backend = sqlBackendOf(db);
  if (backend) return backend.executor;
  const pool = '$transaction' in db ? poolOf(db as PrismaClient) : undefined;
  return pool ? pgExecutor(pool) : prismaExecutor(db);
}

export interface SqlTransactionOptions {
  /** Tries in all, the first included, when PostgreSQL aborts the transaction transiently. @defaultValue 4 */
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

/**
 * Runs `fn` in a transaction and runs it again when PostgreSQL aborted it for a reason another try may not
 * meet (deadlock between concurrent transitions, serialization failure, dropped connection). Run transitions
 * are conditional on (state, attempt), so a repeated try is safe. On a client with a pg pool it is a plain
 * BEGIN … COMMIT on one pooled connection; on a Prisma transaction it joins that transaction (no retry: the
 * owner of the transaction decides).
 */
export async function sqlTransaction<T>(
  db: Executor,
  fn: (sql: SqlExecutor) => Promise<T>,
  options: SqlTransactionOptions = {},
): Promise<T> {
  if (isSqlExecutor(db) || !('$transaction' in db)) return fn(sqlOf(db));
  const backend = sqlBackendOf(db);
  if (backend) return backend.transaction(fn);
  const pool = poolOf(db as PrismaClient);
  const tries = options.tries ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!pool) return await (db as PrismaClient).$transaction((tx) => fn(prismaExecutor(tx)), { timeout: 30_000 });
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        if (options.durable === false) await client.query('SET LOCAL synchronous_commit = off');
        const result = await fn(pgExecutor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    } catch (error) {
      if (attempt >= tries || !isTransientDatabaseError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
