import { z } from 'zod';

/**
 * One finished epoch of a training run, as packages/ml measures it: what the worker stores (`metrics`), streams
 * (the `epoch` run event) and the API shows (its learning curve, with when it was recorded).
 */
export const EpochMetrics = z.strictObject({
  /** 1-based. */
  epoch: z.int().min(1).describe('The epoch, 1-based.'),
  /** The run's epochs in all (`train.epochs`). */
  epochs: z.int().min(1).describe("The run's epochs in all."),
  /** Mean training loss over the epoch's batches (the KD loss for students), in training mode. */
  trainLoss: z.number().describe("Mean training loss over the epoch's batches (the KD loss for students)."),
  trainAccuracy: z.number().describe("Training accuracy over the epoch's batches, in training mode."),
  /** Cross-entropy on the validation hold-out in inference mode; null without validation. */
  valLoss: z.number().nullable().describe('Cross-entropy on the validation hold-out; null without one.'),
  /** Accuracy on the validation hold-out in inference mode; null without validation. */
  valAccuracy: z.number().nullable().describe('Accuracy on the validation hold-out; null without one.'),
  learningRate: z.number().describe('The learning rate of the epoch.'),
  /** Wall-clock seconds of the epoch, validation included. */
  seconds: z.number().describe('Wall-clock seconds of the epoch.'),
});
export type EpochMetrics = z.infer<typeof EpochMetrics>;
