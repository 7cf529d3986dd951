import type { EpochMetrics } from '@distillery/spec';
import { type ExecuteRunInput, executeRun, type RunOutcome, type TrainingCheckpoint } from '../../src/index.ts';

/** A run's outcome with every epoch it reported and every checkpoint it gave, in order. */
export interface RecordedRun {
  outcome: RunOutcome;
  epochs: EpochMetrics[];
  checkpoints: TrainingCheckpoint[];
}

/**
 * Executes `input` recording its epochs and checkpoints. A checkpoint's bytes are copied: the callee may reuse
 * its buffers, and a test resumes from the checkpoint long after the run moved on.
 */
export async function executeRecordedRun(input: ExecuteRunInput): Promise<RecordedRun> {
  const epochs: EpochMetrics[] = [];
  const checkpoints: TrainingCheckpoint[] = [];
  const outcome = await executeRun({
    ...input,
    onEpoch: (m) => void epochs.push(m),
    onCheckpoint: async (c) => {
      checkpoints.push({ epoch: c.epoch, files: c.files.map((f) => ({ ...f, data: Uint8Array.from(f.data) })) });
    },
  });
  return { outcome, epochs, checkpoints };
}
