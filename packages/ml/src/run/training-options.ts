import type { TrainingRunConfig } from '@distillery/spec';
import type * as tf from '@tensorflow/tfjs';
import { RunConfigError } from '../errors.ts';
import type { QuantizedTensor } from '../quantize/bucket-quantize.ts';
import type { PqTensor } from '../quantize/pq-tensor.ts';
import { pqQuantizeModelWeights, quantizeModelWeights } from '../quantize/quantize-model.ts';
import { recalibrateLma } from '../train/recalibrate-lma.ts';
import type { QatSettings, TrainOptions } from '../train/train-model.ts';
import type { ExecuteRunInput } from './execute-run.ts';
import type { RunPlan } from './run-plan.ts';

/** A teacher, student or QAT run (no prune, no PTQ): what its plan says is trained from its initialisation. */
export type TrainingPlan = RunPlan & { config: TrainingRunConfig };

/** trainModel's options for a teacher, student or QAT run of `plan`, training `model`, with the member's callbacks. */
export function trainingOptions(
  plan: TrainingPlan,
  input: ExecuteRunInput,
  model: tf.LayersModel,
  teacherLogits: Float32Array | null,
): TrainOptions {
  const { config, resume, onState } = plan;
  const { signal } = input;
  const { distill } = config;
  if (distill?.method === 'crembo') {
    throw new RunConfigError('distill.method crembo trains through its search (cremboSearch), not one training');
  }
  return {
    model,
    data: plan.data,
    layout: plan.io,
    train: config.train,
    seed: config.seed,
    distill,
    teacherLogits,
    pq: plan.pq,
    qat: qatSettings(plan),
    ...(input.onEpoch ? { onEpoch: input.onEpoch } : {}),
    ...(input.onBatch ? { onBatch: input.onBatch } : {}),
    ...(resume ? { resume } : {}),
    ...onState,
    ...(signal ? { signal } : {}),
  };
}

/** A QAT run's quantized distillation settings (uniform quantization); null for other runs and iPQ. */
export function qatSettings(plan: TrainingPlan): QatSettings | null {
  const { config, uniform } = plan;
  if (config.kind !== 'quantize-qat' || !uniform) return null;
  return {
    indices: plan.quantizedIndices,
    bits: uniform.bits,
    bucketSize: uniform.bucketSize,
    ...(config.quantize?.noise === undefined ? {} : { noise: { rate: config.quantize.noise, seed: config.seed } }),
  };
}

/**
 * After a teacher, student or QAT run trained `model`: a QAT run's weights quantized once more (uniformly, or
 * iPQ's codebooks), then LMA layers with statistics 'recalibrate' get the exact μ/σ of the final weights.
 * Returns the quantized tensors by position in model.weights.
 */
export async function afterTraining(
  plan: TrainingPlan,
  model: tf.LayersModel,
): Promise<Map<number, QuantizedTensor | PqTensor>> {
  let quantized = new Map<number, QuantizedTensor | PqTensor>();
  if (plan.config.kind === 'quantize-qat' && plan.uniform) {
    quantized = quantizeModelWeights(model, plan.quantizedIndices, plan.uniform);
  }
  if (plan.pq) quantized = pqQuantizeModelWeights(model, plan.pq);
  await recalibrateLma(model, plan.data.train, plan.dataset, plan.io);
  return quantized;
}
