import { z } from 'zod';
import { RUN_WORKS } from './throughput-shape.ts';

/**
 * The measured cost of one throughput shape on one backend, in the two parts a run's time splits into: its epochs
 * (training steps and the validation pass after each), which scale with epochs × training rows, and the rest
 * (loading the data, the teacher's logits, the test evaluation, saving the model), which scales with the rows the
 * run reads. A quantize-ptq run has only the rest.
 */
export const ThroughputRate = z.strictObject({
  backend: z.string().describe('The TensorFlow.js backend the runs used: wasm, cpu, tensorflow.'),
  shape: z.string().describe('The throughput shape (`kd mlp 784-16-16-10 lma-8 bn b64`).'),
  work: z.enum(RUN_WORKS).describe("The shape's work: ce, kd, crembo, qat, pq, prune, ptq."),
  family: z.enum(['mlp', 'cnn']).describe("The shape's model family."),
  forwardMacs: z.number().min(0).describe("Multiply-accumulates of one sample's forward pass."),
  epochSecondsPerRow: z
    .number()
    .min(0)
    .describe('Seconds of an epoch per training row: its steps and its validation pass (0: the work does not train).'),
  otherSecondsPerRow: z
    .number()
    .min(0)
    .describe(
      'Seconds outside the epochs per row the run reads (train, validation and test): data, teacher logits, test, saving.',
    ),
  msPerStep: z
    .number()
    .min(0)
    .nullable()
    .describe('Milliseconds per training step (a batch), validation included; null when the work does not train.'),
  runs: z.int().min(1).describe('Results the rate was measured from.'),
});
export type ThroughputRate = z.infer<typeof ThroughputRate>;

/**
 * Where a run's estimated time came from: its shape's throughput measured by this store's runs, the calibration
 * shipped with Distillery (measured by bench/calibrate-throughput.ts), or a rate of the nearest measured or
 * calibrated shape of the same work and family scaled by forward-pass multiply-accumulates.
 */
export const RATE_SOURCES = ['measured', 'calibration', 'extrapolated'] as const;
export const RateSource = z.enum(RATE_SOURCES);
export type RateSource = z.infer<typeof RateSource>;
