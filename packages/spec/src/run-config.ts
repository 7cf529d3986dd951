import { z } from 'zod';
import { cremboMaxTrainings, DEFAULT_CREMBO_THRESHOLDS } from './crembo-spec.ts';
import { DatasetSpec } from './dataset-spec.ts';
import { ImportedModel } from './imported-model.ts';
import { CnnSpec, MlpSpec, ModelSpec } from './model-spec.ts';
import { Pruning } from './prune-spec.ts';
import { Quantization, quantizationBits } from './quantize-spec.ts';
import { SyntheticData, synthesisBatches } from './student-data-spec.ts';
import { DistillSpec, TrainSpec } from './train-spec.ts';

/**
 * Glossary.
 * - teacher: trained with cross-entropy, or imported (a model you bring, evaluated once and not trained); the
 *   parent of students and QAT variants.
 * - student: a compact model trained with the KD loss against its (frozen) teacher; α = 0 is plain CE.
 * - quantize-ptq: a trained student's weights quantized after training, then evaluated; no training.
 * - quantize-qat: quantized distillation — a student trained with quantized weights in the forward pass; with
 *   `quantize.method: pq`, trained with iPQ's proxy noise, product-quantized, and its codebooks fine-tuned.
 * - prune: a trained student's weight matrices pruned in rounds, retrained after each under the same KD loss
 *   (its teacher's logits) with the pruned weights held at 0; a PTQ variant of a pruned student quantizes its
 *   survivors.
 * - synthesize: inputs made from a trained teacher alone (data-free distillation: `data.source: synthetic`),
 *   stored as a data set; the parent of the students and QAT runs that train on them instead of the training
 *   split. It builds no model (`model` null).
 */
export const RUN_KINDS = ['teacher', 'student', 'quantize-ptq', 'quantize-qat', 'prune', 'synthesize'] as const;
export const RunKind = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof RunKind>;

/** waiting (on its parent) → queued → running → succeeded | failed | cancelled. */
export const RUN_STATES = ['waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RunState = z.enum(RUN_STATES);
export type RunState = z.infer<typeof RunState>;
export const TERMINAL_RUN_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled'];

export const SWEEP_STATES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export const SweepState = z.enum(SWEEP_STATES);
export type SweepState = z.infer<typeof SweepState>;

/** The model of a run: a model Distillery builds (mlp, cnn), or an imported teacher (`family: 'imported'`). */
export const RunModel = z.discriminatedUnion('family', [MlpSpec, CnnSpec, ImportedModel]);
export type RunModel = z.infer<typeof RunModel>;

/*
 * Everything a worker needs to execute one run, stored with the run, defaults resolved: one variant per run
 * kind (a teacher has two, trained or imported), each saying which parts it has. Every variant keeps the seven
 * keys configurations had from the start (a part a kind does not have is null), and `prune` only where there is
 * pruning (absent, not null, elsewhere), so stored configs and the hashes that identify them read as before.
 * A new kind is one more variant here and one more entry in RUN_KINDS.
 */

/** `prune` of a run without pruning: absent. */
const NoPruning = z.never().optional().describe('Absent: the run is not pruned.');
/** `data` of a run on the real training split: absent (so configs stored before synthetic data keep their hash). */
const StudentData = SyntheticData.optional().describe(
  'The synthetic data it trains on (a synthesize run, its parent); absent: the training split.',
);
const RunDataset = DatasetSpec.describe('The data set, as the sweep gave it.');
const BuiltModel = ModelSpec.describe('The model Distillery builds: mlp or cnn.');
const RunSeed = z.int().min(0).describe("The run's seed (initial weights, shuffling).");
const RunTrain = TrainSpec.describe('The training settings.');
const NoTraining = z.null().describe('null: the run does not train.');
const NoDistillation = z.null().describe('null: no distillation.');
const RunDistill = DistillSpec.describe(
  'How it was distilled: KD (temperature, α; no method key) or CREMBO (method crembo, thresholds, loss).',
);
const NoQuantization = z.null().describe('null: not quantized.');
const RunQuantize = Quantization.describe('The quantization, defaults resolved.');

/** A teacher trained with cross-entropy: no distillation, no quantization. */
export const TrainedTeacherRunConfig = z.strictObject({
  kind: z.literal('teacher').describe('The run kind: teacher.'),
  dataset: RunDataset,
  model: BuiltModel,
  train: RunTrain,
  seed: RunSeed,
  distill: NoDistillation,
  quantize: NoQuantization,
  prune: NoPruning,
});
export type TrainedTeacherRunConfig = z.infer<typeof TrainedTeacherRunConfig>;

/** A teacher you bring: evaluated once and stored, not trained. */
export const ImportedTeacherRunConfig = z.strictObject({
  kind: z.literal('teacher').describe('The run kind: teacher.'),
  dataset: RunDataset,
  model: ImportedModel.describe('The imported teacher: its files, digest and tensors.'),
  train: NoTraining,
  seed: RunSeed,
  distill: NoDistillation,
  quantize: NoQuantization,
  prune: NoPruning,
});
export type ImportedTeacherRunConfig = z.infer<typeof ImportedTeacherRunConfig>;

/** A compact model trained with the KD loss against its frozen teacher (α = 0 is plain cross-entropy). */
export const StudentRunConfig = z.strictObject({
  kind: z.literal('student').describe('The run kind: student.'),
  dataset: RunDataset,
  model: BuiltModel,
  train: RunTrain,
  seed: RunSeed,
  distill: RunDistill,
  quantize: NoQuantization,
  prune: NoPruning,
  data: StudentData,
});
export type StudentRunConfig = z.infer<typeof StudentRunConfig>;

/**
 * A trained model's weights (a sweep's student) quantized, then evaluated: no training. `distill` is what its
 * parent was distilled with, kept so the variant says which student it quantizes; null for a parent trained
 * without a teacher.
 */
export const PtqRunConfig = z.strictObject({
  kind: z.literal('quantize-ptq').describe('The run kind: quantize-ptq.'),
  dataset: RunDataset,
  model: BuiltModel,
  train: NoTraining,
  seed: RunSeed,
  distill: DistillSpec.nullable().describe(
    'The KD settings of the parent it quantizes; null for a parent trained without a teacher.',
  ),
  quantize: RunQuantize,
  /** The pruning of the pruned student it quantizes (its survivors only); absent for a plain student. */
  prune: Pruning.optional().describe('The pruning of the pruned student it quantizes; absent for a plain student.'),
  data: StudentData,
});
export type PtqRunConfig = z.infer<typeof PtqRunConfig>;

/** Quantized distillation: a student trained against the teacher with quantized weights in the forward pass (with
 * `quantize.method: pq`, iPQ's proxy noise, then product quantization with fine-tuned codebooks).
 */
export const QatRunConfig = z.strictObject({
  kind: z.literal('quantize-qat').describe('The run kind: quantize-qat.'),
  dataset: RunDataset,
  model: BuiltModel,
  train: RunTrain,
  seed: RunSeed,
  distill: RunDistill,
  quantize: RunQuantize,
  prune: NoPruning,
  data: StudentData,
});
export type QatRunConfig = z.infer<typeof QatRunConfig>;

/**
 * A trained student's weight matrices pruned in rounds, retrained after each under the student's KD loss (its
 * teacher's logits) with the pruned weights held at 0.
 */
export const PruneRunConfig = z.strictObject({
  kind: z.literal('prune').describe('The run kind: prune.'),
  dataset: RunDataset,
  model: BuiltModel,
  train: RunTrain,
  seed: RunSeed,
  distill: RunDistill,
  quantize: NoQuantization,
  prune: Pruning.describe('The pruning: method, sparsity, rounds, retraining epochs.'),
});
export type PruneRunConfig = z.infer<typeof PruneRunConfig>;

/**
 * Inputs synthesized from the teacher (its parent) alone, stored as a data set artifact: no model of its own
 * (`model` null), no training of weights. Its identity chains with its teacher's, so one synthesis serves every
 * student of that teacher and data configuration.
 */
export const SynthesizeRunConfig = z.strictObject({
  kind: z.literal('synthesize').describe('The run kind: synthesize.'),
  dataset: RunDataset,
  model: z.null().describe('null: the run builds no model (its teacher is its parent).'),
  train: NoTraining,
  seed: RunSeed,
  distill: NoDistillation,
  quantize: NoQuantization,
  prune: NoPruning,
  data: SyntheticData.describe('What to synthesize: generator, samples, steps, batch, learning rate.'),
});
export type SynthesizeRunConfig = z.infer<typeof SynthesizeRunConfig>;

/**
 * A run's configuration, by kind. A union rather than a zod discriminated union because the teacher kind has
 * two variants (told apart by `model.family`); TypeScript narrows it on `kind`, and {@link isImportedTeacher}
 * tells the two teachers apart.
 */
export const RunConfig = z.union([
  TrainedTeacherRunConfig,
  ImportedTeacherRunConfig,
  StudentRunConfig,
  PtqRunConfig,
  QatRunConfig,
  PruneRunConfig,
  SynthesizeRunConfig,
]);
export type RunConfig = z.infer<typeof RunConfig>;

/** The configs of runs that build (or import) a model: every kind but synthesize. */
export type ModelRunConfig = Exclude<RunConfig, SynthesizeRunConfig>;

/** Whether the run makes a model (every kind but synthesize, whose artifact is a data set). */
export function isModelRun(config: RunConfig): config is ModelRunConfig {
  return config.kind !== 'synthesize';
}

/** The configs of runs that train a model from its initialisation: a trained teacher, a student, a QAT variant. */
export type TrainingRunConfig = TrainedTeacherRunConfig | StudentRunConfig | QatRunConfig;

/**
 * The configs of runs whose parent is a model of Distillery's: the teacher (student, QAT), the trained student
 * (prune, PTQ) or the pruned student (PTQ).
 */
export type ChildRunConfig = StudentRunConfig | PtqRunConfig | QatRunConfig | PruneRunConfig;

/** The synthetic data a run trains on (students and QAT; a PTQ keeps its student's); null for the training split. */
export function runSyntheticData(config: RunConfig): SyntheticData | null {
  if (config.kind === 'synthesize') return null;
  return 'data' in config ? (config.data ?? null) : null;
}

// Every run kind has a variant: this fails to compile when a kind is added without one.
const everyKindHasAVariant: Record<Exclude<RunKind, RunConfig['kind']>, never> = {};
void everyKindHasAVariant;

export function isImportedTeacher(config: RunConfig): config is ImportedTeacherRunConfig {
  return config.model?.family === 'imported';
}

/** Bits of a run's stored codes: 32 unless quantized (for pq, the bits of one centroid assignment). */
export function runBits(config: Pick<RunConfig, 'quantize'>): number {
  return config.quantize ? quantizationBits(config.quantize) : 32;
}

/**
 * Epochs a run trains: its training's epochs; a prune run's retraining (rounds × retrainEpochs); a CREMBO run's
 * at most (trainings × epochs, see cremboMaxTrainings); a synthesize run's batches of inputs; 0 for a
 * quantize-ptq run and an imported teacher.
 */
export function runEpochs(config: RunConfig): number {
  if (config.kind === 'prune') return config.prune.rounds * config.prune.retrainEpochs;
  // A synthesize run's progress and checkpoints go batch by batch of inputs.
  if (config.kind === 'synthesize') return synthesisBatches(config.data);
  // CREMBO trains the student once per threshold its search visits: epochs are counted over the most it may.
  if (config.distill?.method === 'crembo' && config.train) {
    return cremboMaxTrainings(config.distill.thresholds ?? DEFAULT_CREMBO_THRESHOLDS) * config.train.epochs;
  }
  return config.train?.epochs ?? 0;
}
