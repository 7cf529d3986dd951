export * from './run-event-listener.ts';
