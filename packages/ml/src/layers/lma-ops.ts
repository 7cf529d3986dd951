import * as tf from '@tensorflow/tfjs';
import { hasJsKernel, registerJsKernel, runKernel } from '../backend/js-kernels.ts';
import { LMA_DEFAULT_EPSILON, lmaForwardValues, lmaGradValues, lmaMoments } from './lma-maths.ts';

/*
 * The LMA function as tfjs ops with custom gradients (μ and σ detached, as in the paper). Fused kernels on wasm
 * and cpu (backend/js-kernels.ts): the moments in one two-pass loop, the activation in one pass, its gradient
 * in one pass — instead of ~10 generic kernels forward and a [n × k] one-hot product backward. Other backends
 * (tfjs-node) compose tfjs ops (`lmaForward` below); both compute the same segment (see lma-maths.ts), the
 * kernels in double precision, so a value within rounding of a bin edge may land in the neighbouring segment on
 * the other path.
 */

type Save = (tensors: tf.Tensor[]) => void;
/** A tfjs custom-gradient op over tensors, as `tf.customGrad` returns it for our forward functions. */
type TensorOp = (...args: tf.Tensor[]) => tf.Tensor;
/** Our forward functions take `save` last, which `tf.customGrad`'s declared type does not say. */
const customGrad = (f: (...args: never[]) => { value: tf.Tensor; gradFunc: unknown }): TensorOp =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as TensorOp;

const LMA_KERNEL = 'DistilleryLma';
const LMA_GRAD_KERNEL = 'DistilleryLmaGrad';
const LMA_MOMENTS_KERNEL = 'DistilleryLmaMoments';

const scalarOf = (t: Float32Array | Int32Array | Uint8Array) => t[0] as number;

/** The fused kernels, for a training path that runs them on its own buffers (the fused MLP step). */
export const LMA_MOMENTS_JS = registerJsKernel<Record<string, never>>({
  name: LMA_MOMENTS_KERNEL,
  inputs: ['x'],
  outputShapes: () => [[1], [1]],
  compute([x], [mean, std]) {
    const m = lmaMoments(x as Float32Array);
    (mean as Float32Array)[0] = m.mean;
    (std as Float32Array)[0] = m.std;
  },
});

export const LMA_JS = registerJsKernel<{ epsilon: number }>({
  name: LMA_KERNEL,
  inputs: ['x', 'alpha', 'beta', 'mean', 'std'],
  outputShapes: ([x]) => [x as number[]],
  compute([x, alpha, beta, mean, std], [y], _shapes, { epsilon }) {
    const [xs, al, be, mu, sd] = [x, alpha, beta, mean, std] as Float32Array[];
    lmaForwardValues(
      xs as Float32Array,
      al as Float32Array,
      be as Float32Array,
      scalarOf(mu as Float32Array),
      scalarOf(sd as Float32Array),
      epsilon,
      y as Float32Array,
    );
  },
});

export const LMA_GRAD_JS = registerJsKernel<{ epsilon: number }>({
  name: LMA_GRAD_KERNEL,
  inputs: ['dy', 'x', 'alpha', 'mean', 'std'],
  outputShapes: ([dy, , alpha]) => [dy as number[], alpha as number[], alpha as number[]],
  compute([dy, x, alpha, mean, std], [dx, dAlpha, dBeta], _shapes, { epsilon }) {
    lmaGradValues(
      dy as Float32Array,
      x as Float32Array,
      alpha as Float32Array,
      scalarOf(mean as Float32Array),
      scalarOf(std as Float32Array),
      epsilon,
      { dx: dx as Float32Array, dAlpha: dAlpha as Float32Array, dBeta: dBeta as Float32Array },
    );
  },
});

/** Gradient of the fused op: dx, dα, dβ from the kernel; zeros for the detached μ, σ and for ε. */
function lmaKernelGrad(dy: tf.Tensor, saved: tf.Tensor[], extra: number) {
  const [x, alpha, mean, std, eps] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const epsilon = eps.dataSync()[0] as number;
  const [dx, dAlpha, dBeta] = runKernel(LMA_GRAD_KERNEL, { dy, x, alpha, mean, std }, { epsilon }) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
  const zeros = extra === 3 ? [tf.zeros([1]), tf.zeros([1]), tf.zeros([])] : [tf.zeros([])];
  return [dx, dAlpha, dBeta, ...zeros];
}

const lmaKernelOp = customGrad(
  (x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, eps: tf.Tensor, save: Save) => {
    const epsilon = eps.dataSync()[0] as number;
    const [value] = runKernel(LMA_KERNEL, { x, alpha, beta, mean, std }, { epsilon }) as [tf.Tensor];
    save([x, alpha, mean, std, eps]);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => lmaKernelGrad(dy, saved, 3) };
  },
);

/** μ and σ of one batch, kept past the op's scope for the caller (who disposes them). */
interface BatchStats {
  mean?: tf.Tensor;
  std?: tf.Tensor;
}

/** The fused batch op, handing its μ and σ to `stats` (one op per call, so no state outlives the call). */
const lmaKernelBatchOp = (stats: BatchStats) =>
  customGrad((x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, eps: tf.Tensor, save: Save) => {
    const epsilon = eps.dataSync()[0] as number;
    const [mean, std] = runKernel(LMA_MOMENTS_KERNEL, { x }) as [tf.Tensor, tf.Tensor];
    stats.mean = tf.keep(mean);
    stats.std = tf.keep(std);
    const [value] = runKernel(LMA_KERNEL, { x, alpha, beta, mean, std }, { epsilon }) as [tf.Tensor];
    save([x, alpha, mean, std, eps]);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => lmaKernelGrad(dy, saved, 1) };
  });

/** Forward pass and gradient function of the composed (fallback) ops; `extra` inputs (μ, σ, ε) get zero gradients. */
function lmaForward(
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  mean: tf.Tensor,
  std: tf.Tensor,
  eps: tf.Tensor,
  extra: tf.Tensor[],
  save: Save,
) {
  const k = alpha.shape[0] as number;
  // j = clamp(floor((x − μ + 3σ) / (6σ/k)), 0, k−1) = clamp(floor(x·a + b), …) with a = k/(6σ), b = (3σ − μ)·a.
  const sigma = tf.maximum(std, eps);
  const a = tf.div(k / 6, sigma);
  const b = sigma.mul(3).sub(mean).mul(a);
  const segment = tf
    .clipByValue(tf.floor(x.mul(a).add(b)), 0, k - 1)
    .reshape([-1])
    .toInt();
  const slope = tf.gather(alpha, segment).reshape(x.shape);
  const value = slope.mul(x).add(tf.gather(beta, segment).reshape(x.shape));
  save([x, segment, slope]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, seg, sl] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const n = sx.size;
      const oneHot = tf.oneHot(seg, k).toFloat(); // [n, k]
      // Both segment sums with one product: [dy·x; dy] (2 × n) · oneHot (n × k).
      const sums = tf.concat([dy.mul(sx).reshape([1, n]), dy.reshape([1, n])], 0).matMul(oneHot);
      const [dAlpha, dBeta] = tf.split(sums, 2, 0).map((t) => t.reshape([k]));
      // Built from shapes: the inputs may be disposed by the time the gradient runs.
      return [dy.mul(sl), dAlpha as tf.Tensor, dBeta as tf.Tensor, ...extra.map((t) => tf.zeros(t.shape))];
    },
  };
}

const lmaGivenStatsOp = customGrad(
  (x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, eps: tf.Tensor, save: Save) =>
    lmaForward(x, alpha, beta, mean, std, eps, [mean, std, eps], save),
);

/** The composed batch op, handing its μ and σ to `stats`. */
const lmaBatchStatsOp = (stats: BatchStats) =>
  customGrad((x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, eps: tf.Tensor, save: Save) => {
    const moments = tf.moments(x);
    const mean = moments.mean.reshape([1]);
    const std = moments.variance.sqrt().reshape([1]);
    stats.mean = tf.keep(mean);
    stats.std = tf.keep(std);
    return lmaForward(x, alpha, beta, mean, std, eps, [eps], save);
  });

/** One batch through a batch op: its value and the μ, σ it computed (the caller disposes them). */
function runBatchOp(
  op: (stats: BatchStats) => TensorOp,
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): { value: tf.Tensor; mean: tf.Tensor; std: tf.Tensor } {
  const stats: BatchStats = {};
  const value = op(stats)(x, alpha, beta, tf.scalar(epsilon));
  const { mean, std } = stats;
  if (!mean || !std) throw new Error('LMA: the batch op did not compute its statistics');
  return { value, mean, std };
}

/**
 * The LMA function with μ and σ given (shape [1]); no gradient flows to μ or σ (they are detached, as in the
 * paper). Gradients: ∂/∂x = α_j, ∂/∂α_j = Σ x over segment j, ∂/∂β_j = Σ 1 over segment j (each times dy).
 */
export function lmaActivation(
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  mean: tf.Tensor,
  std: tf.Tensor,
  epsilon = LMA_DEFAULT_EPSILON,
): tf.Tensor {
  if (hasJsKernel(LMA_KERNEL)) return lmaKernelOp(x, alpha, beta, mean, std, tf.scalar(epsilon));
  return lmaGivenStatsOp(x, alpha, beta, mean, std, tf.scalar(epsilon));
}

/**
 * The LMA function with μ and σ taken from `x` itself (training). The statistics are computed inside the
 * custom-gradient op, off the gradient tape — detached, and without the backward pass of the moments that
 * would only carry zeros — and returned for the moving averages. The caller disposes `mean` and `std`.
 */
export function lmaBatchActivation(
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  epsilon = LMA_DEFAULT_EPSILON,
): { value: tf.Tensor; mean: tf.Tensor; std: tf.Tensor } {
  return runBatchOp(hasJsKernel(LMA_KERNEL) ? lmaKernelBatchOp : lmaBatchStatsOp, x, alpha, beta, epsilon);
}

/**
 * The composed-op implementation that backends without the fused kernels use (tfjs-node); exported so the
 * tests can hold the fused kernels to it.
 */
export const lmaComposed = {
  activation: (x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, epsilon: number) =>
    lmaGivenStatsOp(x, alpha, beta, mean, std, tf.scalar(epsilon)),
  batchActivation: (x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, epsilon: number) =>
    runBatchOp(lmaBatchStatsOp, x, alpha, beta, epsilon),
};
