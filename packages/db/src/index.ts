export * from './database-client.ts';
