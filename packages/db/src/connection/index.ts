export * from './database-connection-errors.ts';
export * from './database-pool-options.ts';
export * from './guarded-pool.ts';
export * from './postgres-connection.ts';
