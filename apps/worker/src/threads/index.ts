export { TrainingThreadError } from './thread-errors.ts';
export { TrainingPool } from './training-pool.ts';
export { defaultThreadCount, MAX_THREADS, type TrainingPoolOptions } from './training-pool-options.ts';
