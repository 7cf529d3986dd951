import type { PrismaClient } from '../generated/client.ts';
import { PRISMA_CLIENT } from './prisma-client-key.ts';
import type { Store } from './store.ts';

/** The store's Prisma client (made on first use), for packages/db's own CRUD. @internal */
export function prismaOf(store: Store): PrismaClient {
  return store[PRISMA_CLIENT];
}
