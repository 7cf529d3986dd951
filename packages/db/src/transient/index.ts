export * from './is-database-unavailable-error.ts';
export * from './is-transient-error.ts';
