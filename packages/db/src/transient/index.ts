export * from './is-transient-error.ts';
