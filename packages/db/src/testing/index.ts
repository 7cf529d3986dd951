export * from './create-test-database.ts';
