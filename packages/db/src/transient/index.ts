export * from './is-transient-error.ts';
export * from './with-transaction.ts';
