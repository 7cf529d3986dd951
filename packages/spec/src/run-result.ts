import { z } from 'zod';
import { SizeBreakdown } from './model-size.ts';

/**
 * A run's result: exactly one per succeeded run. packages/ml measures everything but `seconds` (the worker
 * times the whole execution); packages/db stores it; the API shows it as recorded (older records may lack
 * `sizeBreakdown` and `splitDigest`).
 */
export const RunResult = z.strictObject({
  /** On the test split (after `limit.test`). */
  accuracy: z.number().describe('Test accuracy (fraction correct on the test split).'),
  /** Mean cross-entropy on the test split. */
  loss: z.number().describe('Test cross-entropy.'),
  /** Stored values, = the sum of the `modelTensors` sizes. */
  parameters: z.int().describe('Parameters of the packed model.'),
  /** Measured length of the packed weight payload (weights.bin) at `bits`; equals the `modelBytes` prediction. */
  bytes: z.int().describe('Measured size of the packed weights in bytes.'),
  /** `bytes` measured on the packed artifact, split into codes, bucket headers and float tensors. */
  sizeBreakdown: SizeBreakdown.describe('The measured bytes split into codes, bucket headers and float tensors.'),
  /** 32, or the quantization bits. */
  bits: z.int().describe('Bits per quantized weight; 32 for float.'),
  /** The TensorFlow.js backend that produced it: wasm, cpu, tensorflow. */
  backend: z.string().describe('The TensorFlow.js backend that produced it: wasm, cpu, tensorflow.'),
  /**
   * Which implementation of the training step trained it: reference (tfjs-layers and the tape) or a fused SIMD
   * path of the wasm backend (fused-mlp, fused-cnn); null when nothing trained (quantize-ptq, an imported teacher).
   */
  trainPath: z
    .string()
    .nullable()
    .describe('Which implementation of the training step trained it; null when nothing trained.'),
  /** Wall-clock seconds of the run's execution. */
  seconds: z.number().describe("Wall-clock seconds of the run's execution."),
  /** sha256 (hex) of the exact train, validation and test rows the run used: equal digests, equal data. */
  splitDigest: z.string().describe('sha256 (hex) of the exact train, validation and test rows the run used.'),
});
export type RunResult = z.infer<typeof RunResult>;

/** What packages/ml measures of a run (all of its result but the execution's wall-clock time). */
export type RunMeasurement = Omit<RunResult, 'seconds'>;
