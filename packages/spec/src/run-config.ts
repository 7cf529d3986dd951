import { z } from 'zod';
import { DatasetSpec } from './dataset-spec.ts';
import { ImportedModel } from './imported-model.ts';
import { CnnSpec, MlpSpec } from './model-spec.ts';
import { Pruning } from './prune-spec.ts';
import { Quantization, quantizationBits } from './quantize-spec.ts';
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
 */
export const RUN_KINDS = ['teacher', 'student', 'quantize-ptq', 'quantize-qat', 'prune'] as const;
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

/** Everything a worker needs to execute one run; stored with the run, defaults resolved. */
export const RunConfig = z.strictObject({
  kind: RunKind.describe('teacher, student, quantize-ptq, quantize-qat or prune.'),
  dataset: DatasetSpec.describe('The data set, as the sweep gave it.'),
  model: RunModel.describe('The model: mlp, cnn, or an imported teacher.'),
  train: TrainSpec.nullable().describe('Absent for quantize-ptq and an imported teacher, which do not train.'),
  seed: z.int().min(0).describe("The run's seed (initial weights, shuffling)."),
  distill: DistillSpec.nullable().describe('KD settings for student, quantize-qat and prune runs.'),
  quantize: Quantization.nullable().describe(
    'The quantization of a quantize-ptq or quantize-qat run (a quantize-ptq of a pruned student quantizes its survivors), defaults resolved; null otherwise.',
  ),
  prune: Pruning.optional().describe(
    'The pruning of a prune run, and of the pruned student a quantize-ptq run quantizes. Absent otherwise — ' +
      'not null — so the configurations (and hashes) of runs without pruning are what they were before pruning existed.',
  ),
});
export type RunConfig = z.infer<typeof RunConfig>;

/** Bits of a run's stored codes: 32 unless quantized (for pq, the bits of one centroid assignment). */
export function runBits(config: Pick<RunConfig, 'quantize'>): number {
  return config.quantize ? quantizationBits(config.quantize) : 32;
}

/**
 * Epochs a run trains: its training's epochs; a prune run's retraining (rounds × retrainEpochs); 0 for a
 * quantize-ptq run and an imported teacher.
 */
export function runEpochs(config: Pick<RunConfig, 'kind' | 'train' | 'prune'>): number {
  if (config.kind === 'quantize-ptq') return 0;
  if (config.kind === 'prune') return config.prune ? config.prune.rounds * config.prune.retrainEpochs : 0;
  return config.train?.epochs ?? 0;
}
