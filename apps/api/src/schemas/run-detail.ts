import { RunConfig, SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';
import { RunSummary } from './run-summary.ts';

/** One epoch of a run's learning curve. */
export const EpochMetrics = z.object({
  epoch: z.int().describe('The epoch, 1-based.'),
  trainLoss: z.number().describe("Mean training loss over the epoch's batches (the KD loss for students)."),
  trainAccuracy: z.number().describe("Training accuracy over the epoch's batches, in training mode."),
  valLoss: z.number().nullable().describe('Cross-entropy on the validation hold-out; null without one.'),
  valAccuracy: z.number().nullable().describe('Accuracy on the validation hold-out; null without one.'),
  learningRate: z.number().describe('The learning rate of the epoch.'),
  seconds: z.number().describe('Wall-clock seconds of the epoch.'),
  recordedAt: z.iso.datetime().describe('When the epoch was recorded.'),
});
export type EpochMetrics = z.infer<typeof EpochMetrics>;

/** A run's stored result: exactly one per run. */
export const RunResult = z.object({
  accuracy: z.number().describe('Test accuracy (fraction correct on the test split).'),
  loss: z.number().describe('Test cross-entropy.'),
  parameters: z.int().describe('Parameters of the packed model.'),
  bytes: z.int().describe('Measured size of the packed weights in bytes.'),
  /** `bytes` measured on the packed artifact, split into codes, bucket headers and float tensors. */
  sizeBreakdown: SizeBreakdown.nullable().describe(
    'The measured bytes split into codes, bucket headers and float tensors; null for results recorded before it was measured.',
  ),
  bits: z.int().describe('Bits per quantized weight; 32 for float.'),
  backend: z.string().describe('The TensorFlow.js backend that produced it: wasm, cpu, tensorflow.'),
  /**
   * Which implementation of the training step trained it: reference (tfjs-layers and the tape) or a fused SIMD
   * path of the wasm backend (fused-mlp, fused-cnn); null when nothing trained or for results recorded before it was.
   */
  trainPath: z
    .string()
    .nullable()
    .describe(
      'Which implementation of the training step trained it: reference, or a fused SIMD path of the wasm backend (fused-mlp, fused-cnn); null when nothing trained (quantize-ptq, imported teacher) or recorded before it was.',
    ),
  seconds: z.number().describe("Wall-clock seconds of the run's execution."),
  splitDigest: z
    .string()
    .nullable()
    .describe(
      'sha256 (hex) of the exact train, validation and test rows the run used: equal digests, equal data. ' +
        'null for results recorded before digests were.',
    ),
  recordedAt: z.iso.datetime().describe('When the result was stored.'),
});
export type RunResult = z.infer<typeof RunResult>;

/** Everything about one run. */
export const RunDetail = RunSummary.omit({ result: true, reusedFrom: true })
  .extend({
    sweepId: z.uuid().describe('The sweep the run belongs to (later sweeps may reuse it).'),
    groupHash: z.string().describe('Hash of the config without its seed: replicates share it.'),
    configHash: z.string().describe('Hash of the whole config.'),
    identity: z
      .string()
      .describe(
        "The config hash chained with the parent's identity: the team's runs with one identity are trained once.",
      ),
    config: RunConfig.describe('What the worker executes, defaults resolved.'),
    error: z.string().nullable().describe('Why the run failed (its last attempt).'),
    skippedReason: z
      .string()
      .nullable()
      .describe('Why the run was cancelled without running (e.g. its parent failed).'),
    createdAt: z.iso.datetime().describe('When the sweep created the run.'),
    queuedAt: z.iso.datetime().nullable().describe('When the run (last) became `queued`.'),
    startedAt: z.iso.datetime().nullable().describe('When a worker claimed it (its last attempt).'),
    finishedAt: z.iso.datetime().nullable().describe('When it reached a terminal state.'),
    heartbeatAt: z.iso.datetime().nullable().describe('Last sign of life from the worker running it.'),
    metrics: z.array(EpochMetrics).describe('The learning curve, by epoch.'),
    latestMetrics: EpochMetrics.nullable().describe("The last epoch's metrics; null before the first epoch ends."),
    result: RunResult.nullable().describe("The run's result; null until it succeeds."),
  })
  .meta({ id: 'RunDetail' });
export type RunDetail = z.infer<typeof RunDetail>;
