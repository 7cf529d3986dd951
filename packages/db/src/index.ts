export * from './check-database.ts';
export * from './database-client.ts';
export * from './database-url.ts';
export * from './events/index.ts';
export * from './migrate/index.ts';
export * from './runs/index.ts';
export * from './teams/index.ts';
export * from './transient/index.ts';
