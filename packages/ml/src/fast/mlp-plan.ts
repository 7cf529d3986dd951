import type * as tf from '@tensorflow/tfjs';
import { APLU } from '../layers/aplu.ts';
import { TrainingBatchNormalization } from '../layers/batch-norm.ts';
import { ChannelPReLU } from '../layers/channel-prelu.ts';
import { LMA } from '../layers/lma.ts';
import { TrainableSwish } from '../layers/trainable-swish.ts';
import { type ImageOp, imageOpOutputSize, planImageLayer } from './image-ops.ts';

/**
 * A student as the fused step runs it (an MLP, or a CNN: image ops, then dense layers on the flattened NHWC
 * features): its layers in order, each with the offsets (in float32 values) of
 * its trainable tensors in the flat parameter buffer, which holds `model.trainableWeights` end to end in their
 * order — so a tensor's slice of the parameter, gradient and optimizer buffers is the tensor, and checkpoints
 * keep their per-tensor format. Non-trainable statistics are kept per layer as float32 arrays.
 */
/**
 * Normalisations and activations act on [rows, units] with rows = batch × `positions`: 1 after a dense layer,
 * h·w after a convolution (units are then its channels).
 */
export type MlpOp =
  | { kind: 'dense'; inputs: number; units: number; kernel: number; bias: number }
  | ElementwiseOp
  | ImageOp;

type ElementwiseOp = { positions: number } & (
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
  | { kind: 'aplu'; units: number; hinges: number; alpha: number; offset: number }
);

/** Values per example of an op's output. */
export function opOutputSize(op: MlpOp): number {
  if (op.kind === 'conv2d' || op.kind === 'max-pool') return imageOpOutputSize(op);
  return op.kind === 'dense' ? op.units : op.units * op.positions;
}

export interface MlpPlan {
  ops: MlpOp[];
  features: number;
  classes: number;
  /** Offset of each of `model.trainableWeights` in the flat buffer, and its size. */
  offsets: number[];
  sizes: number[];
  /** Total trainable values. */
  parameters: number;
  /** Input [h, w, c] of a CNN, null for an MLP. */
  image: [number, number, number] | null;
  /** Widest layer input or output per example (gradient buffers are batch × this). */
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
  const known = inputShape?.slice(1).every((d) => typeof d === 'number') === true;
  if (!known || (inputShape?.length !== 2 && inputShape?.length !== 4)) {
    return { unsupported: `input shape [${inputShape}] is not [batch, features] or [batch, h, w, c]` };
  }
  const dims = (inputShape as number[]).slice(1);
  const input = dims.length === 3 ? (dims as [number, number, number]) : null;
  // While image ops run: the current h × w × c; null once flattened (or for an MLP).
  let image = input;
  const features = dims.reduce((a, b) => a * b, 1);
  const ops: MlpOp[] = [];
  let width = features;
  let widest = features;
  /** Rows per example and units of an elementwise op here. */
  const rowsAndUnits = () =>
    image ? { positions: image[0] * image[1], units: image[2] } : { positions: 1, units: width };
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
      if (className === 'Conv2D' || className === 'MaxPooling2D') {
        if (!image) return { unsupported: `${layer.name} (${className}) after the features were flattened` };
        const planned = planImageLayer(layer, image, offsetOf);
        if ('unsupported' in planned) return planned;
        ops.push(planned.op);
        image = planned.shape;
        width = image[0] * image[1] * image[2];
        widest = Math.max(widest, width);
        continue;
      }
      if (className === 'Flatten') {
        if (!image) return { unsupported: `${layer.name} (Flatten) of flat features` };
        image = null;
        continue;
      }
      if (className === 'Dense') {
        if (image) return { unsupported: `dense layer ${layer.name} on an image` };
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
        if (!(bn.axis === -1 || bn.axis === (image ? 3 : 1)) || !bn.center || !bn.scale) {
          return { unsupported: `BatchNorm ${layer.name}: axis ${bn.axis}, center ${bn.center}, scale ${bn.scale}` };
        }
        ops.push({
          kind: 'batch-norm',
          ...rowsAndUnits(),
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
        ops.push({ kind: 'relu', ...rowsAndUnits() });
      } else if (layer instanceof LMA) {
        ops.push({
          kind: 'lma',
          ...rowsAndUnits(),
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
        ops.push({ kind: 'prelu', ...rowsAndUnits(), alpha: offsetOf(alpha), size: alpha.shape[0] as number });
      } else if (layer instanceof TrainableSwish) {
        const beta = named(layer, 'beta');
        ops.push({ kind: 'swish', ...rowsAndUnits(), beta: offsetOf(beta), size: beta.shape[0] as number });
      } else if (layer instanceof APLU) {
        const alpha = named(layer, 'alpha');
        ops.push({
          kind: 'aplu',
          ...rowsAndUnits(),
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
  poolBeforeRelu(ops);
  return { plan: { ops, features, image: input, classes: width, offsets, sizes, parameters: total, widest } };
}

/**
 * ReLU → 2×2 max-pool becomes max-pool → ReLU (in place): max(relu(a), relu(b), …) = relu(max(a, b, …)), so the
 * ReLU runs on a quarter of the values, forward and backward. The gradients are the same bits too: where the
 * window's maximum is positive both orders route dy to the same input (the first maximum: ReLU leaves positive
 * values as they are), and where it is not, both give every input +0.
 */
export function poolBeforeRelu(ops: MlpOp[]): void {
  for (let i = 0; i + 1 < ops.length; i++) {
    const [relu, pool] = [ops[i] as MlpOp, ops[i + 1] as MlpOp];
    if (relu.kind !== 'relu' || pool.kind !== 'max-pool') continue;
    ops[i] = pool;
    ops[i + 1] = { kind: 'relu', units: relu.units, positions: (pool.h >> 1) * (pool.w >> 1) };
    i++;
  }
}
