export * from './apply-pending-migrations.ts';
export { classifyConnectionError, connectPostgres } from './connect-postgres.ts';
export * from './migrate-database.ts';
export * from './migrate-database-options.ts';
export * from './migration-errors.ts';
export { type MigrationFile, readMigrationFiles } from './migration-files.ts';
export { CREATE_MIGRATIONS_TABLE_SQL } from './migration-ledger.ts';
export { MIGRATION_LOCK_KEY } from './migration-lock.ts';
export * from './migration-options.ts';
