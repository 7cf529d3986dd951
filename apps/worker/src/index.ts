export * from './execute-job.ts';
export * from './run-worker.ts';
export * from './run-worker-options.ts';
