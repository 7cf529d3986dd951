import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import type { DatabasePoolOptions } from './connection/database-pool-options.ts';
import { GuardedPool } from './connection/guarded-pool.ts';
import { PrismaClient } from './generated/client.ts';

export type { PrismaClient } from './generated/client.ts';
export { Prisma } from './generated/client.ts';

/** The pool's size and timeouts; see {@link DatabasePoolOptions} for each one's default. */
export type DatabaseClientOptions = DatabasePoolOptions;

/** The pg pool under each client createDatabaseClient made (see {@link poolOf}). */
const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * A Prisma client on the pg driver adapter: no native engine needed (ENVIRONMENT.md). The adapter runs on a
 * pg pool of ours, which the run life-cycle's hot paths also use directly (see {@link poolOf}); the client's
 * `$disconnect` ends it. The pool is bounded ({@link GuardedPool}): an outage fails statements within seconds with
 * errors that isDatabaseUnavailableError recognises, never hangs them.
 */
export function createDatabaseClient(databaseUrl: string, options: DatabaseClientOptions = {}): PrismaClient {
  const pool = new GuardedPool(databaseUrl, options);
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', () => {});
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/**
 * The pg pool under a client from {@link createDatabaseClient}, or undefined for any other client. Why it is
 * exposed: through Prisma 7 every statement costs about a millisecond of client-side work (2 ms for a
 * tagged-template `$queryRaw`), against 0.04 ms on the pool; a worker's per-run transitions are a dozen
 * statements, which made the ORM the largest part of the per-run overhead (bench/orchestration.ts).
 */
export function poolOf(db: PrismaClient): pg.Pool | undefined {
  return pools.get(db);
}
