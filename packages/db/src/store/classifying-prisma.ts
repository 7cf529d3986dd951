import type { PrismaClient } from '../generated/client.ts';
import { classifyDatabaseError } from '../transient/classify-database-error.ts';

/**
 * `client` with every operation's failure in the store's vocabulary (see classifyDatabaseError), so packages/db's
 * Prisma CRUD fails as its statements do. `onDone` hears of every operation that completed (its model, undefined
 * for raw queries, and operation name), e.g. to count writes to API keys (noteApiKeyWrite).
 */
export function classifyingPrisma(
  client: PrismaClient,
  onDone: (model: string | undefined, operation: string) => void = () => {},
): PrismaClient {
  const extended = client.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        try {
          return await query(args);
        } catch (error) {
          throw classifyDatabaseError(error);
        } finally {
          // Also after a failure: a write may have happened before the error (a commit whose answer was lost).
          onDone(model, operation);
        }
      },
    },
  });
  // The extension adds no model, method or result type; only the client's generic parameters say otherwise.
  return extended as unknown as PrismaClient;
}
