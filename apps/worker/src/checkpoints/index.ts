export * from './checkpoint-store.ts';
export * from './file-checkpoint-store.ts';
export * from './training-checkpoints.ts';
