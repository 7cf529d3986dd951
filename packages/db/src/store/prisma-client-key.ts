/**
 * The key of a store's Prisma client. Not exported from the package: only packages/db (and its testing entry,
 * for fixtures) reaches Prisma.
 * @internal
 */
export const PRISMA_CLIENT: unique symbol = Symbol('distillery.store.prisma');
