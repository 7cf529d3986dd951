import type { PrismaClient } from '../generated/client.ts';
import { PRISMA_CLIENT } from './prisma-client-key.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** Where a store lives: a PostgreSQL server, or the embedded PGlite under a data folder. */
export type StoreKind = 'server' | 'embedded';

/**
 * The results database, opened (`openStore`): statements and transactions ({@link SqlExecutor}) and `close`.
 * Exactly two implementations: `PgPoolStore` (a bounded pg pool on a PostgreSQL server) and `EmbeddedStore`
 * (PGlite in this process). Every operation of packages/db takes one; nothing outside packages/db sees how it
 * reaches the database.
 */
export interface Store extends SqlExecutor {
  readonly kind: StoreKind;
  /** Ends every connection (the embedded store also flushes and releases its folder). Idempotent. */
  close(): Promise<void>;
  /**
   * A Prisma client on the same connections, for the CRUD packages/db writes with Prisma. Keyed by a symbol
   * that only packages/db can name (`prismaOf`), so no app reaches around the operations.
   * @internal
   */
  readonly [PRISMA_CLIENT]: PrismaClient;
}
