import type { EpochMetrics } from '@distillery/spec';
import type { TrainingState } from './checkpoint.ts';
import type { BatchPosition } from './train-model.ts';

/** What a run that trains several times in a row gives each of its trainings: its progress and resume point. */
export interface SegmentedRun {
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  onBatch?: (p: BatchPosition) => void;
  resume?: TrainingState;
}

/** Where one training sits in its run: after `offset` of the run's `total` epochs, resumed `within` epochs in. */
export interface Segment {
  offset: number;
  total: number;
  /** Epochs of this training already done by the checkpoint the run resumes from; 0 starts it afresh. */
  within: number;
}

/**
 * The progress callbacks and resume point of one training that is a segment of a longer run (a pruning round,
 * one of CREMBO's thresholds). The training counts its own epochs from 1; the run's listeners see them as epoch
 * `offset + e` of `total`, so its learning curve and progress run on across the segments; a run resumed inside
 * this segment resumes the training at its own epoch `within`.
 */
export function segmentCallbacks(
  run: SegmentedRun,
  { offset, total, within }: Segment,
): Pick<SegmentedRun, 'onEpoch' | 'onBatch' | 'resume'> {
  const { onEpoch, onBatch, resume } = run;
  return {
    ...(onEpoch ? { onEpoch: (m: EpochMetrics) => onEpoch({ ...m, epoch: offset + m.epoch, epochs: total }) } : {}),
    ...(onBatch ? { onBatch: (p: BatchPosition) => onBatch({ ...p, epoch: offset + p.epoch, epochs: total }) } : {}),
    ...(resume && within > 0 ? { resume: { ...resume, epoch: within } } : {}),
  };
}
