import { isKernel, type TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { LMA, lmaInitialSlopes } from '../layers/lma.ts';

/**
 * With `weightDecayOn: 'all'`, every trainable tensor is decayed: towards 0 (the value null, handled by the
 * optimizer), except LMA's slopes, towards their ReLU-like start (a tensor). With 'kernels' (the default) the
 * map is empty and only kernels decay.
 */
export function weightDecayTargets(model: tf.LayersModel, train: TrainSpec): Map<tf.LayerVariable, tf.Tensor | null> {
  const out = new Map<tf.LayerVariable, tf.Tensor | null>();
  if ((train.optimizer.weightDecayOn ?? 'kernels') !== 'all') return out;
  for (const w of model.trainableWeights) out.set(w, null);
  for (const layer of model.layers) {
    if (layer instanceof LMA) out.set(layer.slopeWeight, tf.tensor1d(lmaInitialSlopes(layer.segments)));
  }
  return out;
}

/** Whether plain L2 decay (towards 0) applies to `w`: all tensors `targets` maps to null, else the kernels. */
export function decaysTowardsZero(targets: Map<tf.LayerVariable, tf.Tensor | null>, w: tf.LayerVariable): boolean {
  return targets.has(w) ? targets.get(w) === null : isKernel({ name: w.originalName });
}
