export * from './in-process-executor.ts';
export * from './in-process-executor-options.ts';
