export * from './read-sweep-state.ts';
