export * from './cancel-subscriber.ts';
export * from './job-priority.ts';
export * from './redis-probe.ts';
export * from './run-job.ts';
export * from './run-queue.ts';
export * from './run-queue-options.ts';
