import type { PrismaClient } from '../generated/client.ts';
import { classifyDatabaseError } from '../transient/classify-database-error.ts';

/**
 * `client` with every operation's failure in the store's vocabulary (see classifyDatabaseError), so packages/db's
 * Prisma CRUD fails as its statements do.
 */
export function classifyingPrisma(client: PrismaClient): PrismaClient {
  const extended = client.$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          throw classifyDatabaseError(error);
        }
      },
    },
  });
  // The extension adds no model, method or result type; only the client's generic parameters say otherwise.
  return extended as unknown as PrismaClient;
}
