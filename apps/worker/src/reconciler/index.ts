export * from '../retry-backoff.ts';
export * from './executor-reconciler.ts';
export * from './reconciler.ts';
export * from './reconciler-options.ts';
