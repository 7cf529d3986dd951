import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import type { DatabasePoolOptions } from '../connection/database-pool-options.ts';
import { GuardedPool } from '../connection/guarded-pool.ts';
import { PrismaClient } from '../generated/client.ts';
import { noteApiKeyWrite } from '../teams/api-key-changes.ts';
import { classified } from './classified.ts';
import { classifyingPrisma } from './classifying-prisma.ts';
import { preparedSql } from './compile-sql.ts';
import { PRISMA_CLIENT } from './prisma-client-key.ts';
import { retryTransient } from './retry-transient.ts';
import type { SqlExecutor } from './sql-executor.ts';
import type { Store } from './store.ts';
import { TRANSACTION_DEFAULTS, type TransactionOptions } from './transaction-options.ts';

/** Statements on one checked-out connection inside BEGIN … COMMIT; a nested transaction joins it. */
function transactionExecutor(client: pg.PoolClient): SqlExecutor {
  const sql: SqlExecutor = {
    rows: async <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      (await classified(client.query(preparedSql(strings, values)))).rows as T[],
    run: async (strings, ...values) => (await classified(client.query(preparedSql(strings, values)))).rowCount ?? 0,
    transaction: (fn) => fn(sql),
  };
  return sql;
}

/**
 * The store on a PostgreSQL server: a bounded pg pool ({@link GuardedPool}: an outage fails statements within
 * seconds, never hangs them). Every failure of the database itself comes as a StoreUnavailableError or
 * TransactionConflictError (classifyDatabaseError). Statements go straight to
 * the pool — through Prisma 7 each costs about a millisecond of client-side work against 0.04 ms on the pool
 * (bench/orchestration.ts), and a run's transitions are a dozen statements. Prisma's client, for packages/db's
 * CRUD, runs on the same pool and is made on first use.
 */
export class PgPoolStore implements Store {
  readonly kind = 'server';
  private readonly pool: GuardedPool;
  private prisma: PrismaClient | undefined;
  private closing: Promise<void> | undefined;

  constructor(databaseUrl: string, options: DatabasePoolOptions = {}) {
    this.pool = new GuardedPool(databaseUrl, options);
    // Without a listener, an idle connection dropped by the server would crash the process.
    this.pool.on('error', () => {});
  }

  get [PRISMA_CLIENT](): PrismaClient {
    this.prisma ??= classifyingPrisma(
      new PrismaClient({ adapter: new PrismaPg(this.pool, { disposeExternalPool: false }) }),
      (model, operation) => noteApiKeyWrite(this, model, operation),
    );
    return this.prisma;
  }

  async rows<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]> {
    return (await classified(this.pool.query(preparedSql(strings, values)))).rows as T[];
  }

  async run(strings: TemplateStringsArray, ...values: unknown[]): Promise<number> {
    return (await classified(this.pool.query(preparedSql(strings, values)))).rowCount ?? 0;
  }

  /** A plain BEGIN … COMMIT on one pooled connection, tried again on a transient failure. */
  transaction<T>(fn: (sql: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { tries, durable } = { ...TRANSACTION_DEFAULTS, ...options };
    return retryTransient(tries, () => classified(this.transactionOnce(fn, durable)));
  }

  private async transactionOnce<T>(fn: (sql: SqlExecutor) => Promise<T>, durable: boolean): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      // One round trip either way: both commands in one simple-protocol query.
      await client.query(durable ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
      const result = await fn(transactionExecutor(client));
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
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.prisma?.$disconnect().catch(() => {});
      await this.pool.end().catch(() => {});
    })();
    return this.closing;
  }
}
