export * from './open-store.ts';
export * from './pg-pool-store.ts';
export * from './ping-store.ts';
export * from './sql-executor.ts';
export * from './store.ts';
export * from './transaction-options.ts';
