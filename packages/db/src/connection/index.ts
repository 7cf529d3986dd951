export * from './postgres-connection.ts';
