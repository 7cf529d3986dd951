export * from './classify-database-error.ts';
export * from './is-database-unavailable-error.ts';
export * from './is-transient-error.ts';
export * from './store-errors.ts';
