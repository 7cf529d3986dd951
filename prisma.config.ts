// Prisma CLI configuration (Prisma 7 reads the connection URL from here, not from schema.prisma).
// `prisma migrate deploy` on a machine with internet applies prisma/migrations and shares the
// `_prisma_migrations` ledger with `distillery migrate` (packages/db/src/migrate), which applies the same
// files where the Prisma CLI cannot fetch its schema engine (offline machines, closed networks).
// Why not `env('DATABASE_URL')` from prisma/config: it throws when the variable is unset, and this file is
// also loaded by `prisma generate` at install time, which needs no database.
import { defineConfig } from 'prisma/config';
import { DEFAULT_DATABASE_URL } from './packages/db/src/database-url.ts';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  datasource: {
    url: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  },
});
