// Transitional, while apps/api services still hold statements of their own: each area's statements move into
// packages/db operations, and these exports go with the last of them.

export type { PrismaClient } from '../generated/client.ts';
export { Prisma } from '../generated/client.ts';
export { prismaOf } from './prisma-of.ts';
