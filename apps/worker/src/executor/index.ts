export * from './events.ts';
export * from './run-executor.ts';
export * from './run-executor-options.ts';
