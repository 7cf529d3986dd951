export * from './checkpoints/index.ts';
export * from './execute-job.ts';
export * from './reconciler/index.ts';
export * from './retry-backoff.ts';
export * from './run-control.ts';
export * from './run-errors.ts';
export * from './run-worker.ts';
export * from './run-worker-options.ts';
