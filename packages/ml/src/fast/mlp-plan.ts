import type * as tf from '@tensorflow/tfjs';
import { APLU } from '../layers/aplu.ts';
import { TrainingBatchNormalization } from '../layers/batch-norm.ts';
import { ChannelPReLU } from '../layers/channel-prelu.ts';
import { LMA } from '../layers/lma.ts';
import { TrainableSwish } from '../layers/trainable-swish.ts';

/**
 * An MLP student as the fused step runs it: its layers in order, each with the offsets (in float32 values) of
 * its trainable tensors in the flat parameter buffer, which holds `model.trainableWeights` end to end in their
 * order — so a tensor's slice of the parameter, gradient and optimizer buffers is the tensor, and checkpoints
 * keep their per-tensor format. Non-trainable statistics are kept per layer as float32 arrays.
 */
export type MlpOp =
  | { kind: 'dense'; inputs: number; units: number; kernel: number; bias: number }
  | {
      kind: 'batch-norm';
      units: number;
      gamma: number;
      beta: number;
      momentum: number;
      epsilon: number;
      movingMean: tf.LayerVariable;
      movingVariance: tf.LayerVariable;
    }
  | { kind: 'relu'; units: number }
  | {
      kind: 'lma';
      units: number;
      segments: number;
      alpha: number;
      beta: number;
      momentum: number;
      epsilon: number;
      runningMean: tf.LayerVariable;
      runningStd: tf.LayerVariable;
      steps: tf.LayerVariable | null;
    }
  | { kind: 'prelu'; units: number; alpha: number; size: number }
  | { kind: 'swish'; units: number; beta: number; size: number }
  | { kind: 'aplu'; units: number; hinges: number; alpha: number; offset: number };

export interface MlpPlan {
  ops: MlpOp[];
  features: number;
  classes: number;
  /** Offset of each of `model.trainableWeights` in the flat buffer, and its size. */
  offsets: number[];
  sizes: number[];
  /** Total trainable values. */
  parameters: number;
  /** Widest layer output (activation and gradient buffers are batch × this). */
  widest: number;
}

/** The plan of `model`, or why the fused MLP step does not support it. */
export function planMlp(model: tf.LayersModel): { plan: MlpPlan } | { unsupported: string } {
  const trainable = model.trainableWeights;
  const offsets: number[] = [];
  const sizes: number[] = [];
  let total = 0;
  for (const w of trainable) {
    offsets.push(total);
    const n = w.shape.reduce((a, b) => (a as number) * (b as number), 1) as number;
    sizes.push(n);
    total += n;
  }
  const offsetOf = (w: tf.LayerVariable | undefined): number => {
    const i = w ? trainable.indexOf(w) : -1;
    if (i < 0) throw new Error(`weight ${w?.originalName} is not trainable`);
    return offsets[i] as number;
  };
  const inputShape = model.inputs[0]?.shape;
  if (inputShape?.length !== 2 || typeof inputShape[1] !== 'number') {
    return { unsupported: `input shape [${inputShape}] is not [batch, features]` };
  }
  const features = inputShape[1];
  const ops: MlpOp[] = [];
  let width = features;
  let widest = 1;
  const named = (layer: tf.layers.Layer, suffix: string) => {
    const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`));
    if (!w) throw new Error(`${layer.name} has no weight ${suffix}`);
    return w;
  };
  try {
    for (const layer of model.layers) {
      const className = layer.getClassName();
      if (className === 'InputLayer') continue;
      if (!layer.trainable) return { unsupported: `layer ${layer.name} is frozen` };
      if (className === 'Dense') {
        const config = layer.getConfig();
        if (config.activation !== 'linear' || config.useBias !== true) {
          return { unsupported: `dense layer ${layer.name}: activation ${config.activation}, bias ${config.useBias}` };
        }
        const kernel = named(layer, 'kernel');
        const units = kernel.shape[1] as number;
        if (kernel.shape[0] !== width) return { unsupported: `dense layer ${layer.name}: input ${kernel.shape[0]}` };
        ops.push({
          kind: 'dense',
          inputs: width,
          units,
          kernel: offsetOf(kernel),
          bias: offsetOf(named(layer, 'bias')),
        });
        width = units;
      } else if (layer instanceof TrainingBatchNormalization) {
        const bn = layer as unknown as {
          axis: number;
          center: boolean;
          scale: boolean;
          momentum: number;
          epsilon: number;
        };
        if (!(bn.axis === -1 || bn.axis === 1) || !bn.center || !bn.scale) {
          return { unsupported: `BatchNorm ${layer.name}: axis ${bn.axis}, center ${bn.center}, scale ${bn.scale}` };
        }
        ops.push({
          kind: 'batch-norm',
          units: width,
          gamma: offsetOf(named(layer, 'gamma')),
          beta: offsetOf(named(layer, 'beta')),
          momentum: bn.momentum,
          epsilon: bn.epsilon,
          movingMean: named(layer, 'moving_mean'),
          movingVariance: named(layer, 'moving_variance'),
        });
      } else if (className === 'ReLU') {
        const config = layer.getConfig();
        if (config.maxValue !== null && config.maxValue !== undefined) {
          return { unsupported: `ReLU ${layer.name} with maxValue ${config.maxValue}` };
        }
        ops.push({ kind: 'relu', units: width });
      } else if (layer instanceof LMA) {
        ops.push({
          kind: 'lma',
          units: width,
          segments: layer.segments,
          alpha: offsetOf(named(layer, 'alpha')),
          beta: offsetOf(named(layer, 'beta')),
          momentum: layer.momentum,
          epsilon: layer.epsilon,
          runningMean: named(layer, 'running_mean'),
          runningStd: named(layer, 'running_std'),
          steps: layer.weights.find((v) => v.originalName.endsWith('/steps')) ?? null,
        });
      } else if (layer instanceof ChannelPReLU) {
        const alpha = named(layer, 'alpha');
        ops.push({ kind: 'prelu', units: width, alpha: offsetOf(alpha), size: alpha.shape[0] as number });
      } else if (layer instanceof TrainableSwish) {
        const beta = named(layer, 'beta');
        ops.push({ kind: 'swish', units: width, beta: offsetOf(beta), size: beta.shape[0] as number });
      } else if (layer instanceof APLU) {
        const alpha = named(layer, 'alpha');
        ops.push({
          kind: 'aplu',
          units: width,
          hinges: alpha.shape[0] as number,
          alpha: offsetOf(alpha),
          offset: offsetOf(named(layer, 'offset')),
        });
      } else {
        return { unsupported: `layer ${layer.name} (${className})` };
      }
      widest = Math.max(widest, width);
    }
  } catch (e) {
    return { unsupported: (e as Error).message };
  }
  if (ops[ops.length - 1]?.kind !== 'dense') return { unsupported: 'the last layer is not dense' };
  return { plan: { ops, features, classes: width, offsets, sizes, parameters: total, widest } };
}
