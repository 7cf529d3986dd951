import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export type { PrismaClient } from './generated/client.ts';
export { Prisma } from './generated/client.ts';

export interface DatabaseClientOptions {
  /** Pool size of the pg driver. @defaultValue 10 */
  maxConnections?: number;
}

/** A Prisma client on the pg driver adapter: no native engine needed (ENVIRONMENT.md). */
export function createDatabaseClient(databaseUrl: string, options: DatabaseClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}
