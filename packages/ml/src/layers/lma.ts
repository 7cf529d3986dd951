import { LEGACY_LMA_STATISTICS, LMA_STATISTICS, type LmaStatistics } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { hasJsKernel, registerJsKernel, runKernel } from '../backend/js-kernels.ts';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';
import { updateMovingAverage } from './moving-average.ts';

/**
 * Light Multi-segment Activation, LMA-k (Xu et al., AAAI 2020; docs/LMA.md).
 *
 * One scalar mean μ and standard deviation σ of the whole input tensor (batch, units and positions together),
 * detached from the gradient, split [μ−3σ, μ+3σ] into k equal bins of width w = 6σ/k; the first and last
 * segments are open-ended. Segment j = clamp(floor((x − μ + 3σ)/w), 0, k−1) applies h(x) = α_j·x + β_j, with
 * α and β shared by every unit of the layer. Initialised like ReLU (β = 0; α = 0 on the left ⌊k/2⌋ segments,
 * 1 on the others). In training, μ/σ come from the batch and their moving averages (momentum 0.99, started at
 * 0 and 1) are updated; at inference the layer's `statistics` say which μ/σ it uses, frozen:
 * - `moving-average`: the averages as they are (the paper's);
 * - `bias-corrected`: (running − m^t·start)/(1 − m^t), the start divided out as Adam corrects its moments, with
 *   t the training steps so far (a non-trainable weight `steps`, saved with the model);
 * - `recalibrate`: the averages, until `setStatistics` writes the exact statistics of a pass over the training
 *   data after training (packages/ml's `recalibrateLma`).
 * The statistics are non-trainable weights, so they are saved and restored with the model (the official code
 * kept them as plain attributes, and updated them during evaluation).
 */
export interface LMAArgs extends LayerArgs {
  /** k, the number of linear pieces. @defaultValue 8 (the paper's setting) */
  segments?: number;
  /** Momentum of the moving μ and σ: running = momentum·running + (1 − momentum)·batch. @defaultValue 0.99 */
  momentum?: number;
  /** Floor on σ, so a constant input still gets bins of positive width. @defaultValue 1e-5 */
  epsilon?: number;
  /** Which μ/σ inference uses (see above). @defaultValue 'moving-average' (what layers saved without it did) */
  statistics?: LmaStatistics;
}

export class LMA extends tf.layers.Layer {
  static className = 'LMA';
  static readonly DEFAULT_SEGMENTS = 8;
  static readonly DEFAULT_MOMENTUM = 0.99;
  static readonly DEFAULT_EPSILON = 1e-5;
  static readonly DEFAULT_STATISTICS: LmaStatistics = LEGACY_LMA_STATISTICS;
  /** Where the moving averages start (μ, σ): the bias correction divides this start out. */
  static readonly INITIAL_MEAN = 0;
  static readonly INITIAL_STD = 1;

  readonly segments: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly statistics: LmaStatistics;
  private alpha!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private runningMean!: tf.LayerVariable;
  private runningStd!: tf.LayerVariable;
  private steps: tf.LayerVariable | null = null;

  constructor(args: LMAArgs = {}) {
    super(args);
    this.segments = args.segments ?? LMA.DEFAULT_SEGMENTS;
    this.momentum = args.momentum ?? LMA.DEFAULT_MOMENTUM;
    this.epsilon = args.epsilon ?? LMA.DEFAULT_EPSILON;
    this.statistics = args.statistics ?? LMA.DEFAULT_STATISTICS;
    if (!Number.isInteger(this.segments) || this.segments < 2) {
      throw new Error(`LMA: segments must be an integer ≥ 2, got ${this.segments}`);
    }
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new Error(`LMA: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new Error(`LMA: epsilon must be > 0, got ${this.epsilon}`);
    if (!(LMA_STATISTICS as readonly string[]).includes(this.statistics)) {
      throw new Error(`LMA: statistics must be one of ${LMA_STATISTICS.join(', ')}, got ${this.statistics}`);
    }
  }

  override build(_inputShape: Shape | Shape[]): void {
    const k = this.segments;
    // Weight order: alpha, beta, running_mean, running_std[, steps] (packages/spec modelTensors lists them so).
    this.alpha = this.addWeight('alpha', [k], 'float32', tf.initializers.zeros(), undefined, true);
    this.beta = this.addWeight('beta', [k], 'float32', tf.initializers.zeros(), undefined, true);
    const start = (value: number) => tf.initializers.constant({ value });
    this.runningMean = this.addWeight('running_mean', [1], 'float32', start(LMA.INITIAL_MEAN), undefined, false);
    this.runningStd = this.addWeight('running_std', [1], 'float32', start(LMA.INITIAL_STD), undefined, false);
    if (this.statistics === 'bias-corrected') {
      this.steps = this.addWeight('steps', [1], 'float32', tf.initializers.zeros(), undefined, false);
    }
    tf.tidy(() => {
      this.alpha.write(tf.tensor1d(lmaInitialSlopes(k)));
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      if (kwargs?.training !== true) {
        const [mean, std] = this.inferenceStatistics();
        return lmaActivation(x, this.alpha.read(), this.beta.read(), mean, std, this.epsilon);
      }
      const { value, mean, std } = lmaBatchActivation(x, this.alpha.read(), this.beta.read(), this.epsilon);
      updateMovingAverage(this.runningMean, mean, this.momentum);
      updateMovingAverage(this.runningStd, std, this.momentum);
      if (this.steps) {
        const steps = this.steps;
        tf.tidy(() => {
          steps.write(steps.read().add(1));
        });
      }
      tf.dispose([mean, std]); // kept by the op, so not the tidy's to dispose
      return value;
    });
  }

  /**
   * μ and σ (shape [1]) that inference uses, as new tensors the caller disposes. Bias-corrected:
   * (running − m^t·start)/(1 − m^t); before the first step (t = 0) that is 0/0, and the start itself is used.
   */
  inferenceStatistics(): [tf.Tensor, tf.Tensor] {
    const mean = this.runningMean.read();
    const std = this.runningStd.read();
    if (!this.steps) return [mean.clone(), std.clone()];
    const t = this.steps.read();
    return tf.tidy(() => {
      const decayed = tf.pow(tf.scalar(this.momentum), t); // m^t
      const trained = t.greater(0);
      const correction = tf.scalar(1).sub(decayed);
      const safe = tf.where(trained, correction, tf.onesLike(correction));
      const corrected = (running: tf.Tensor, start: number) =>
        tf.where(trained, running.sub(decayed.mul(start)).div(safe), running);
      return [corrected(mean, LMA.INITIAL_MEAN), corrected(std, LMA.INITIAL_STD)];
    });
  }

  /** The trainable slopes α (weight decay over every parameter pulls them towards `lmaInitialSlopes`). */
  get slopeWeight(): tf.LayerVariable {
    return this.alpha;
  }

  /** Overwrites the running μ and σ (a recalibration pass after training); inference then uses them as they are. */
  setStatistics(mean: number, std: number): void {
    if (this.statistics !== 'recalibrate') {
      throw new Error(
        `LMA ${this.name}: setStatistics is for statistics 'recalibrate', this layer has '${this.statistics}'`,
      );
    }
    tf.tidy(() => {
      this.runningMean.write(tf.tensor1d([mean]));
      this.runningStd.write(tf.tensor1d([std]));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return {
      segments: this.segments,
      momentum: this.momentum,
      epsilon: this.epsilon,
      statistics: this.statistics,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(LMA);

/** ReLU-like initial slopes: 0 for the left ⌊k/2⌋ segments, 1 for the others. */
export function lmaInitialSlopes(k: number): number[] {
  return Array.from({ length: k }, (_, j) => (j < Math.floor(k / 2) ? 0 : 1));
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
  epsilon = LMA.DEFAULT_EPSILON,
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
  epsilon = LMA.DEFAULT_EPSILON,
): { value: tf.Tensor; mean: tf.Tensor; std: tf.Tensor } {
  const fast = hasJsKernel(LMA_KERNEL);
  const value = (fast ? lmaKernelBatchOp : lmaBatchStatsOp)(x, alpha, beta, tf.scalar(epsilon));
  const [mean, std] = batchStats as [tf.Tensor, tf.Tensor];
  batchStats = null;
  return { value, mean, std };
}

type Save = (tensors: tf.Tensor[]) => void;

/** μ and σ of the last `lmaBatchStatsOp` call, kept past its scope; whoever takes them disposes them. */
let batchStats: [tf.Tensor, tf.Tensor] | null = null;

/*
 * Fused kernels (wasm and cpu; backend/js-kernels.ts): the moments in one two-pass loop, the activation in one
 * pass, its gradient in one pass — instead of ~10 generic kernels forward and a [n × k] one-hot product
 * backward. Other backends (tfjs-node) compose tfjs ops (`lmaForward` below); both compute the same segment
 * j = clamp(floor(x·a + b), 0, k−1) with a = k/(6σ), b = (3σ − μ)·a (the kernels in double precision, so a value
 * within rounding of a bin edge may land in the neighbouring segment on the other path).
 */
const LMA_KERNEL = 'DistilleryLma';
const LMA_GRAD_KERNEL = 'DistilleryLmaGrad';
const LMA_MOMENTS_KERNEL = 'DistilleryLmaMoments';

/**
 * clamp(floor(u), 0, top) as an integer: for 0 < u < top, floor is truncation (`| 0`); u ≤ 0 (and NaN) give 0,
 * u ≥ top gives top — so no value is ever truncated outside int32.
 */
function segmentOf(u: number, top: number): number {
  return u > 0 ? (u < top ? u | 0 : top) : 0;
}

/** Bin scale a and offset b of the segment index (see above), from μ, σ and ε. */
export function binMap(k: number, mean: number, std: number, epsilon: number): [number, number] {
  const sigma = Math.max(std, Math.fround(epsilon));
  const a = k / (6 * sigma);
  return [a, (3 * sigma - mean) * a];
}

export const LMA_MOMENTS_JS = registerJsKernel<Record<string, never>>({
  name: LMA_MOMENTS_KERNEL,
  inputs: ['x'],
  outputShapes: () => [[1], [1]],
  compute([x], [mean, std]) {
    const v = x as Float32Array;
    const n = v.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += v[i] as number;
    const mu = n > 0 ? sum / n : 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const d = (v[i] as number) - mu;
      sq += d * d;
    }
    (mean as Float32Array)[0] = mu;
    (std as Float32Array)[0] = Math.sqrt(n > 0 ? sq / n : 0);
  },
});

export const LMA_JS = registerJsKernel<{ epsilon: number }>({
  name: LMA_KERNEL,
  inputs: ['x', 'alpha', 'beta', 'mean', 'std'],
  outputShapes: ([x]) => [x as number[]],
  compute([x, alpha, beta, mean, std], [y], _shapes, { epsilon }) {
    const xs = x as Float32Array;
    const ys = y as Float32Array;
    const al = alpha as Float32Array;
    const be = beta as Float32Array;
    const k = al.length;
    const [a, b] = binMap(k, (mean as Float32Array)[0] as number, (std as Float32Array)[0] as number, epsilon);
    const top = k - 1;
    const n = xs.length;
    for (let i = 0; i < n; i++) {
      const v = xs[i] as number;
      const j = segmentOf(v * a + b, top);
      ys[i] = (al[j] as number) * v + (be[j] as number);
    }
  },
});

export const LMA_GRAD_JS = registerJsKernel<{ epsilon: number }>({
  name: LMA_GRAD_KERNEL,
  inputs: ['dy', 'x', 'alpha', 'mean', 'std'],
  outputShapes: ([dy, , alpha]) => [dy as number[], alpha as number[], alpha as number[]],
  compute([dy, x, alpha, mean, std], [dx, dAlpha, dBeta], _shapes, { epsilon }) {
    const g = dy as Float32Array;
    const xs = x as Float32Array;
    const dxs = dx as Float32Array;
    const al = alpha as Float32Array;
    const k = al.length;
    const [a, b] = binMap(k, (mean as Float32Array)[0] as number, (std as Float32Array)[0] as number, epsilon);
    const top = k - 1;
    const sumGx = new Float64Array(k);
    const sumG = new Float64Array(k);
    const n = xs.length;
    for (let i = 0; i < n; i++) {
      const v = xs[i] as number;
      const gi = g[i] as number;
      const j = segmentOf(v * a + b, top);
      dxs[i] = (al[j] as number) * gi;
      sumGx[j] = (sumGx[j] as number) + gi * v;
      sumG[j] = (sumG[j] as number) + gi;
    }
    (dAlpha as Float32Array).set(sumGx);
    (dBeta as Float32Array).set(sumG);
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

const lmaKernelOp = tf.customGrad(((
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  mean: tf.Tensor,
  std: tf.Tensor,
  eps: tf.Tensor,
  save: Save,
) => {
  const epsilon = eps.dataSync()[0] as number;
  const [value] = runKernel(LMA_KERNEL, { x, alpha, beta, mean, std }, { epsilon }) as [tf.Tensor];
  save([x, alpha, mean, std, eps]);
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => lmaKernelGrad(dy, saved, 3) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

const lmaKernelBatchOp = tf.customGrad(((
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  eps: tf.Tensor,
  save: Save,
) => {
  const epsilon = eps.dataSync()[0] as number;
  const [mean, std] = runKernel(LMA_MOMENTS_KERNEL, { x }) as [tf.Tensor, tf.Tensor];
  batchStats = [tf.keep(mean), tf.keep(std)];
  const [value] = runKernel(LMA_KERNEL, { x, alpha, beta, mean, std }, { epsilon }) as [tf.Tensor];
  save([x, alpha, mean, std, eps]);
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => lmaKernelGrad(dy, saved, 1) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

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

const lmaGivenStatsOp = tf.customGrad(((
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  mean: tf.Tensor,
  std: tf.Tensor,
  eps: tf.Tensor,
  save: Save,
) => lmaForward(x, alpha, beta, mean, std, eps, [mean, std, eps], save)) as unknown as Parameters<
  typeof tf.customGrad
>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

const lmaBatchStatsOp = tf.customGrad(((
  x: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  eps: tf.Tensor,
  save: Save,
) => {
  const moments = tf.moments(x);
  const mean = moments.mean.reshape([1]);
  const std = moments.variance.sqrt().reshape([1]);
  batchStats = [tf.keep(mean), tf.keep(std)];
  return lmaForward(x, alpha, beta, mean, std, eps, [eps], save);
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

export function lma(args?: LMAArgs): LMA {
  return new LMA(args);
}

/**
 * The composed-op implementation that backends without the fused kernels use (tfjs-node); exported so the
 * tests can hold the fused kernels to it.
 */
export const lmaComposed = {
  activation: (x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, std: tf.Tensor, epsilon: number) =>
    lmaGivenStatsOp(x, alpha, beta, mean, std, tf.scalar(epsilon)),
  batchActivation(x: tf.Tensor, alpha: tf.Tensor, beta: tf.Tensor, epsilon: number) {
    const value = lmaBatchStatsOp(x, alpha, beta, tf.scalar(epsilon));
    const [mean, std] = batchStats as [tf.Tensor, tf.Tensor];
    batchStats = null;
    return { value, mean, std };
  },
};
