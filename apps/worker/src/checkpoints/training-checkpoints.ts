import type { ArtifactFile, ExecuteRunInput, RunOutcome } from '@distillery/ml';
import * as ml from '@distillery/ml';

/**
 * packages/ml's checkpoint interface (issue 4, item 5), declared here so the worker builds against it before
 * and after it lands: `executeRun` continues after `resumeFrom.epoch` to the same result as an uninterrupted
 * run, and awaits `onCheckpoint` after every epoch (after `onEpoch`).
 */
export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Weights, optimizer state, RNG and schedule state. */
  files: ArtifactFile[];
}

export interface CheckpointingInput {
  resumeFrom?: TrainingCheckpoint;
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => Promise<void>;
}

/** `executeRun` as the worker calls it (tests substitute their own). */
export type ExecuteRun = (input: ExecuteRunInput & CheckpointingInput) => Promise<RunOutcome>;

/**
 * Whether the loaded packages/ml checkpoints and resumes training. Checked by its `TRAINING_CHECKPOINTS`
 * export, not by the input type (`'resumeFrom' in` proves nothing at run time): an older packages/ml would
 * silently ignore `resumeFrom` and train from epoch 0 while the worker believed it resumed. Without it, a
 * retried run restarts from epoch 0.
 */
export const TRAINING_CHECKPOINTS: boolean =
  (ml as unknown as { TRAINING_CHECKPOINTS?: unknown }).TRAINING_CHECKPOINTS === true;
