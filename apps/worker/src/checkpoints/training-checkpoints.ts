import type { ExecuteRunInput, RunOutcome } from '@distillery/ml';
import * as ml from '@distillery/ml';

/**
 * packages/ml's checkpoint interface (issue 4, item 5): `executeRun` continues after `resumeFrom.epoch` to the
 * same result as an uninterrupted run, and awaits `onCheckpoint` after every epoch (after `onEpoch`).
 */
export type { TrainingCheckpoint } from '@distillery/ml';

/** `executeRun` as the worker calls it (tests substitute their own). */
export type ExecuteRun = (input: ExecuteRunInput) => Promise<RunOutcome>;

/**
 * Whether the loaded packages/ml checkpoints and resumes training. Checked by its `TRAINING_CHECKPOINTS`
 * export, not by the input type (`'resumeFrom' in` proves nothing at run time): a packages/ml without it would
 * silently ignore `resumeFrom` and train from epoch 0 while the worker believed it resumed. Without it, a
 * retried run restarts from epoch 0.
 */
export const TRAINING_CHECKPOINTS: boolean =
  (ml as unknown as { TRAINING_CHECKPOINTS?: unknown }).TRAINING_CHECKPOINTS === true;
