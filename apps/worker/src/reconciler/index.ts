export * from './reconciler.ts';
export * from './reconciler-options.ts';
