import type { Prisma, PrismaClient } from '../database-client.ts';

/** Either the client or an interactive transaction: lifecycle steps compose inside one transaction. */
export type DbExecutor = PrismaClient | Prisma.TransactionClient;
