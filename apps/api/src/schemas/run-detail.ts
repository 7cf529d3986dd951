import { RunConfig, SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';
import { RunSummary } from './run-summary.ts';

/** One epoch of a run's learning curve. */
export const EpochMetrics = z.object({
  epoch: z.int(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  learningRate: z.number(),
  /** Wall-clock seconds of the epoch. */
  seconds: z.number(),
  recordedAt: z.iso.datetime(),
});
export type EpochMetrics = z.infer<typeof EpochMetrics>;

/** A run's stored result: exactly one per run. */
export const RunResult = z.object({
  accuracy: z.number(),
  loss: z.number(),
  parameters: z.int(),
  bytes: z.int(),
  /** `bytes` measured on the packed artifact, split into codes, bucket headers and float tensors. */
  sizeBreakdown: SizeBreakdown.nullable().describe(
    'The measured bytes split into codes, bucket headers and float tensors; null for results recorded before it was measured.',
  ),
  bits: z.int(),
  /** The TensorFlow.js backend that produced it: wasm, cpu, tensorflow. */
  backend: z.string(),
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
  /** Wall-clock seconds of the run's execution. */
  seconds: z.number(),
  /**
   * sha256 (hex) of the exact train, validation and test rows the run used: equal digests, equal data. null for
   * results recorded before digests were.
   */
  splitDigest: z.string().nullable(),
  recordedAt: z.iso.datetime(),
});
export type RunResult = z.infer<typeof RunResult>;

/** Everything about one run. */
export const RunDetail = RunSummary.omit({ result: true, reusedFrom: true })
  .extend({
    /** The sweep the run belongs to (later sweeps may reuse it). */
    sweepId: z.uuid(),
    groupHash: z.string(),
    configHash: z.string(),
    /** The config hash chained with the parent's identity: the team's runs with one identity are trained once. */
    identity: z.string(),
    /** What the worker executes, defaults resolved. */
    config: RunConfig,
    /** Why the run failed (its last attempt). */
    error: z.string().nullable(),
    /** Why the run was cancelled without running (e.g. its parent failed). */
    skippedReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    /** When the run (last) became `queued`. */
    queuedAt: z.iso.datetime().nullable(),
    /** When a worker claimed it (its last attempt). */
    startedAt: z.iso.datetime().nullable(),
    /** When it reached a terminal state. */
    finishedAt: z.iso.datetime().nullable(),
    /** Last sign of life from the worker running it. */
    heartbeatAt: z.iso.datetime().nullable(),
    /** The learning curve, by epoch. */
    metrics: z.array(EpochMetrics),
    /** The last epoch's metrics; null before the first epoch ends. */
    latestMetrics: EpochMetrics.nullable(),
    result: RunResult.nullable(),
  })
  .meta({ id: 'RunDetail' });
export type RunDetail = z.infer<typeof RunDetail>;
