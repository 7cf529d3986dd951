export * from './database-client.ts';
export * from './runs/index.ts';
