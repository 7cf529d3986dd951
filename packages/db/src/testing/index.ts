export * from './create-test-database.ts';
export * from './create-test-embedded-store.ts';
