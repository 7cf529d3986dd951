export * from './sql-backend.ts';
export * from './sql-executor.ts';
