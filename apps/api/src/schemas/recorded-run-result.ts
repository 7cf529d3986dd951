import { RunResult, SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';

/** A run's stored result: exactly one per run. Results recorded before a field was measured have it null. */
export const RecordedRunResult = z.object({
  ...RunResult.shape,
  sizeBreakdown: SizeBreakdown.nullable().describe(
    'The measured bytes split into codes, bucket headers and float tensors; null for results recorded before it was measured.',
  ),
  trainPath: RunResult.shape.trainPath.describe(
    'Which implementation of the training step trained it: reference, or a fused SIMD path of the wasm backend (fused-mlp, fused-cnn); null when nothing trained (quantize-ptq, imported teacher) or recorded before it was.',
  ),
  splitDigest: z
    .string()
    .nullable()
    .describe(
      'sha256 (hex) of the exact train, validation and test rows the run used: equal digests, equal data. ' +
        'null for results recorded before digests were.',
    ),
  recordedAt: z.iso.datetime().describe('When the result was stored.'),
});
export type RecordedRunResult = z.infer<typeof RecordedRunResult>;
