export type { PrismaClient } from '../generated/client.ts';
export { prismaOf } from '../store/prisma-of.ts';
export { countStaleComparisonPools } from './count-stale-comparison-pools.ts';
export * from './create-test-database.ts';
export * from './create-test-embedded-store.ts';
export * from './observe-statements.ts';
