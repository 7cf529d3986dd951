import * as tf from '@tensorflow/tfjs';
import { hasJsKernel, registerJsKernel, runKernel } from '../backend/js-kernels.ts';
import { type Kwargs, oneTensor } from './layer-types.ts';
import { updateMovingAverage } from './moving-average.ts';

/*
 * BatchNorm's training step as two fused kernels (wasm and cpu). tfjs-layers normalises a training batch with
 * tf.moments + tf.batchNorm, whose gradient goes through the moments and FusedBatchNorm's backward — a dozen
 * full-size kernels, among them a Tile of the inverse standard deviation to the input's shape that alone took
 * ~40% of a BatchNorm CNN student's step on wasm. Here:
 *   forward:  μ_c, σ²_c (population variance, as tfjs), y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c;
 *   backward: dβ_c = Σ dy, dγ_c = Σ dy·x̂, dx = γ_c/√(σ²_c + ε) · (dy − dβ_c/M − x̂·dγ_c/M), M rows per channel
 * (the exact gradient through the batch statistics). Channels are the last axis.
 */
const BN_KERNEL = 'DistilleryBatchNormTrain';
const BN_GRAD_KERNEL = 'DistilleryBatchNormTrainGrad';

export const BN_TRAIN_JS = registerJsKernel<{ epsilon: number }>({
  name: BN_KERNEL,
  inputs: ['x', 'gamma', 'beta'],
  outputShapes: ([x, gamma]) => [x as number[], gamma as number[], gamma as number[]],
  compute([x, gamma, beta], [y, mean, variance], _shapes, { epsilon }) {
    const xs = x as Float32Array;
    const ys = y as Float32Array;
    const g = gamma as Float32Array;
    const b = beta as Float32Array;
    const c = g.length;
    const rows = xs.length / c;
    // Per channel (strided, local accumulators: ~2× faster here than accumulating into an array per element):
    // sums of (x − s) and (x − s)² around the channel's first value s, in double precision.
    const mu = new Float64Array(c);
    const sq = new Float64Array(c);
    const n = xs.length;
    for (let j = 0; j < c && rows > 0; j++) {
      const shift = xs[j] as number;
      let s1 = 0;
      let s2 = 0;
      for (let i = j; i < n; i += c) {
        const d = (xs[i] as number) - shift;
        s1 += d;
        s2 += d * d;
      }
      const m1 = s1 / rows;
      mu[j] = shift + m1;
      sq[j] = Math.max(0, s2 / rows - m1 * m1) * rows;
    }
    const scale = new Float64Array(c);
    const shift = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      const v = (sq[j] as number) / rows;
      (mean as Float32Array)[j] = mu[j] as number;
      (variance as Float32Array)[j] = v;
      scale[j] = (g[j] as number) / Math.sqrt(v + epsilon);
      shift[j] = (b[j] as number) - (mu[j] as number) * (scale[j] as number);
    }
    for (let r = 0, i = 0; r < rows; r++) {
      for (let j = 0; j < c; j++, i++) ys[i] = (xs[i] as number) * (scale[j] as number) + (shift[j] as number);
    }
  },
});

export const BN_TRAIN_GRAD_JS = registerJsKernel<{ epsilon: number }>({
  name: BN_GRAD_KERNEL,
  inputs: ['dy', 'x', 'gamma', 'mean', 'variance'],
  outputShapes: ([dy, , gamma]) => [dy as number[], gamma as number[], gamma as number[]],
  compute([dy, x, gamma, mean, variance], [dx, dGamma, dBeta], _shapes, { epsilon }) {
    const g = dy as Float32Array;
    const xs = x as Float32Array;
    const dxs = dx as Float32Array;
    const gm = gamma as Float32Array;
    const mu = mean as Float32Array;
    const c = gm.length;
    const rows = xs.length / c;
    const inv = new Float64Array(c);
    for (let j = 0; j < c; j++) inv[j] = 1 / Math.sqrt(((variance as Float32Array)[j] as number) + epsilon);
    const sumG = new Float64Array(c);
    const sumGx = new Float64Array(c);
    const n = xs.length;
    for (let j = 0; j < c; j++) {
      const m = mu[j] as number;
      let s1 = 0;
      let s2 = 0;
      for (let i = j; i < n; i += c) {
        const gi = g[i] as number;
        s1 += gi;
        s2 += gi * ((xs[i] as number) - m);
      }
      sumG[j] = s1;
      sumGx[j] = s2 * (inv[j] as number);
    }
    const k = new Float64Array(c);
    const meanG = new Float64Array(c);
    const meanGx = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      k[j] = (gm[j] as number) * (inv[j] as number);
      meanG[j] = (sumG[j] as number) / rows;
      meanGx[j] = (sumGx[j] as number) / rows;
    }
    for (let r = 0, i = 0; r < rows; r++) {
      for (let j = 0; j < c; j++, i++) {
        const xhat = ((xs[i] as number) - (mu[j] as number)) * (inv[j] as number);
        dxs[i] = (k[j] as number) * ((g[i] as number) - (meanG[j] as number) - xhat * (meanGx[j] as number));
      }
    }
    (dGamma as Float32Array).set(sumGx);
    (dBeta as Float32Array).set(sumG);
  },
});

type Save = (tensors: tf.Tensor[]) => void;

/** Batch statistics of the last `batchNormTrainOp` call, kept past its scope; the caller disposes them. */
let batchStats: [tf.Tensor, tf.Tensor] | null = null;

const batchNormTrainOp = tf.customGrad(((
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: tf.Tensor,
  save: Save,
) => {
  const epsilon = eps.dataSync()[0] as number;
  const [value, mean, variance] = runKernel(BN_KERNEL, { x, gamma, beta }, { epsilon }) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
  batchStats = [tf.keep(mean), tf.keep(variance)];
  save([x, gamma, mean, variance, eps]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sg, sm, sv, se] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const [dx, dGamma, dBeta] = runKernel(
        BN_GRAD_KERNEL,
        { dy, x: sx, gamma: sg, mean: sm, variance: sv },
        { epsilon: se.dataSync()[0] as number },
      ) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return [dx, dGamma, dBeta, tf.zeros([])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

/**
 * Normalises `x` (channels last) with its own batch statistics, y = γ·x̂ + β, through the fused kernels;
 * returns the batch mean and (population) variance too, for the moving averages (the caller disposes them).
 * Null when the current backend has no fused kernel.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): { value: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } | null {
  if (!hasJsKernel(BN_KERNEL)) return null;
  const value = batchNormTrainOp(x, gamma, beta, tf.scalar(epsilon));
  const [mean, variance] = batchStats as [tf.Tensor, tf.Tensor];
  batchStats = null;
  return { value, mean, variance };
}

/** What `BatchNormalization` keeps privately and the training path below needs. */
interface BatchNormInternals {
  axis: number;
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type LayersBatchNormalization = ReturnType<typeof tf.layers.batchNormalization>;
const LayersBatchNormalization = tf.layers.batchNormalization({}).constructor as new (
  args: Parameters<typeof tf.layers.batchNormalization>[0],
) => LayersBatchNormalization;

/**
 * tfjs-layers' BatchNormalization with its training step on the fused kernels (channels-last, centred and
 * scaled — the models buildModel makes); anything else, inference included, is the original layer's. It
 * serialises under the same class name, so saved models load as the stock layer (which evaluates identically).
 * Moving averages as tfjs updates them, moving ← moving − (moving − batch)·(1 − momentum), i.e.
 * momentum·moving + (1 − momentum)·batch, through one fused kernel per statistic.
 */
export class TrainingBatchNormalization extends LayersBatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as BatchNormInternals;
    const x = oneTensor(inputs);
    const axis = self.axis >= 0 ? self.axis : self.axis + x.rank;
    if (kwargs?.training !== true || axis !== x.rank - 1 || !self.center || !self.scale || !hasJsKernel(BN_KERNEL)) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const out = batchNormTraining(x, self.gamma.read(), self.beta.read(), self.epsilon);
      if (!out) throw new Error('BatchNorm training kernel vanished');
      updateMovingAverage(self.movingMean, out.mean, self.momentum);
      updateMovingAverage(self.movingVariance, out.variance, self.momentum);
      tf.dispose([out.mean, out.variance]);
      return out.value;
    });
  }
}
