export * from './redis-probe.ts';
export * from './run-job.ts';
export * from './run-queue.ts';
export * from './run-queue-options.ts';
