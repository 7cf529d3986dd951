import { z } from 'zod';

/**
 * Where students train: the data set's training split (`real`, the default), or inputs synthesized from the
 * teacher alone (`synthetic`, data-free distillation after Haroush et al., "The Knowledge Within", CVPR 2020).
 * With synthetic data a `synthesize` run after the teacher makes the inputs once, and every student and QAT run
 * of that data configuration trains on them; the test split stays the real one.
 *
 * Generators (all start from, and are clamped to, the valid input range [0, 1]):
 * - bns: a batch of inputs optimised with Adam so that every BatchNorm layer's batch statistics of its input
 *   match the layer's stored running statistics, Σ KL(N(μ̂, σ̂²) ‖ N(μ̃, σ̃²)) over layers and channels; the
 *   teacher stays in inference mode and its running statistics are never updated. Needs a BatchNorm teacher.
 * - gaussian: no optimisation: x = clamp(0.5 + 0.5·z, 0, 1), z ~ N(0, 1) — a standard normal in the input space
 *   scaled to [−1, 1] (Distillery's inputs are not normalized, so this is the analogue of the paper's N(0, 1) in
 *   normalized space).
 * - inception: a target class per sample (balanced: sample i gets class i mod classes), Adam ascent on the
 *   teacher's logit for it, under a total-variation prior on the image.
 * Labels of synthetic rows are the teacher's prediction on them (its target class for inception), so a student's
 * (1 − α) cross-entropy term needs no real label either.
 */
export const DATA_SOURCES = ['real', 'synthetic'] as const;
export const DataSource = z.enum(DATA_SOURCES);
export type DataSource = z.infer<typeof DataSource>;

export const SYNTHESIS_METHODS = ['bns', 'gaussian', 'inception'] as const;
export const SynthesisMethod = z.enum(SYNTHESIS_METHODS);
export type SynthesisMethod = z.infer<typeof SynthesisMethod>;

/** Defaults: not the paper's (its tables were not retrieved), settings that converge on small images. */
export const DEFAULT_SYNTHETIC_SAMPLES = 10_000;
export const DEFAULT_SYNTHESIS_STEPS = 300;
export const DEFAULT_SYNTHESIS_BATCH = 256;
export const DEFAULT_SYNTHESIS_LR = 0.05;

const Samples = z.int().min(1).max(200_000);
const Steps = z.int().min(1).max(10_000);
const Batch = z.int().min(1).max(4096);
const Lr = z.number().gt(0).max(10);
const Seed = z
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** The students' `data`: a grid may vary any of its keys (`data.source: [real, synthetic]`, `data.method`). */
export const StudentDataSpec = z.strictObject({
  source: DataSource.optional().describe(
    'real: the training split; synthetic: inputs made from the teacher. Default: real',
  ),
  method: SynthesisMethod.optional().describe(
    'synthetic only: bns (match the BatchNorm statistics), gaussian or inception. Default: bns',
  ),
  samples: Samples.optional().describe('synthetic only: inputs to synthesize. Default: 10000'),
  steps: Steps.optional().describe('synthetic only: Adam steps per batch (bns, inception). Default: 300'),
  batchSize: Batch.optional().describe('synthetic only: inputs optimised together (BN batch statistics). Default: 256'),
  lr: Lr.optional().describe("synthetic only: Adam's learning rate on the inputs. Default: 0.05"),
  seed: Seed.optional().describe(
    'synthetic only: seed of the synthesis (initial inputs, targets); one data set serves every student seed. Default: 0',
  ),
});
export type StudentDataSpec = z.infer<typeof StudentDataSpec>;

/** Synthetic data as a run stores it, defaults resolved (absent from a run config for real data). */
export const SyntheticData = z.strictObject({
  source: z.literal('synthetic').describe('synthetic: inputs made from the teacher.'),
  method: SynthesisMethod.describe('The generator: bns, gaussian or inception.'),
  samples: Samples.describe('Inputs synthesized.'),
  steps: Steps.describe('Adam steps per batch (bns, inception; unused by gaussian).'),
  batchSize: Batch.describe('Inputs optimised together.'),
  lr: Lr.describe("Adam's learning rate on the inputs."),
  seed: Seed.describe('Seed of the synthesis.'),
});
export type SyntheticData = z.infer<typeof SyntheticData>;

/** The run-config form of a students' `data`: null for real data (the config then has no `data` key). */
export function resolveStudentData(d: StudentDataSpec | undefined): SyntheticData | null {
  if ((d?.source ?? 'real') === 'real') return null;
  return {
    source: 'synthetic',
    method: d?.method ?? 'bns',
    samples: d?.samples ?? DEFAULT_SYNTHETIC_SAMPLES,
    steps: d?.steps ?? DEFAULT_SYNTHESIS_STEPS,
    batchSize: d?.batchSize ?? DEFAULT_SYNTHESIS_BATCH,
    lr: d?.lr ?? DEFAULT_SYNTHESIS_LR,
    seed: d?.seed ?? 0,
  };
}

/** Batches a synthesize run makes (each one a step of its progress and a checkpoint). */
export function synthesisBatches(d: Pick<SyntheticData, 'samples' | 'batchSize'>): number {
  return Math.ceil(d.samples / d.batchSize);
}

/** `synthetic bns 10000` — for labels. */
export function dataLabel(d: SyntheticData): string {
  return `synthetic ${d.method} ${d.samples}`;
}

/** Bytes per stored label (uint16: data sets have at most 10,000 classes). */
export const SYNTHETIC_LABEL_BYTES = 2;

/** Bytes of a synthetic data set's payload: one byte per input value (0..255 over [0, 1]), two per label. */
export function syntheticDataBytes(d: Pick<SyntheticData, 'samples'>, features: number): number {
  return d.samples * (features + SYNTHETIC_LABEL_BYTES);
}
