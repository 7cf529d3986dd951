import { type ExecuteRunInput, TRAINING_CHECKPOINTS as ML_TRAINING_CHECKPOINTS, type RunOutcome } from '@distillery/ml';

/**
 * packages/ml's checkpoint interface: `executeRun` continues after `resumeFrom.epoch` to the
 * same result as an uninterrupted run, and awaits `onCheckpoint` after every epoch (after `onEpoch`).
 */
export type { TrainingCheckpoint } from '@distillery/ml';

/** `executeRun` as the worker calls it (tests substitute their own). */
export type ExecuteRun = (input: ExecuteRunInput) => Promise<RunOutcome>;

/**
 * Whether packages/ml checkpoints and resumes training (its `TRAINING_CHECKPOINTS`). Without it, a retried run
 * restarts from epoch 0. Widened to boolean so the worker's code paths for both stay type-checked.
 */
export const TRAINING_CHECKPOINTS: boolean = ML_TRAINING_CHECKPOINTS;
