/** The executor's events without the executor (no TensorFlow.js loaded): for the CLI's views and logs. */
export * from './describe-executor-event.ts';
export * from './executor-event.ts';
export * from './executor-events.ts';
