export * from './data-dir-lock.ts';
export * from './embedded-store.ts';
export * from './embedded-store-errors.ts';
export * from './embedded-store-options.ts';
export * from './pglite-connection.ts';
export * from './pglite-run-event-source.ts';
export * from './store-template.ts';
