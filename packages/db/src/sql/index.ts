export * from './sql-executor.ts';
