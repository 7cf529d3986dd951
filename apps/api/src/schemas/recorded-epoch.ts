import { EpochMetrics } from '@distillery/spec';
import { z } from 'zod';

/** One epoch of a run's learning curve as recorded: its metrics and when they were stored. */
export const RecordedEpoch = z.object({
  ...EpochMetrics.omit({ epochs: true }).shape,
  recordedAt: z.iso.datetime().describe('When the epoch was recorded.'),
});
export type RecordedEpoch = z.infer<typeof RecordedEpoch>;
