import { LEGACY_LMA_STATISTICS, LMA_STATISTICS, type LmaStatistics } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';
import { LMA_DEFAULT_EPSILON, lmaInitialSlopes } from './lma-maths.ts';
import { lmaActivation, lmaBatchActivation } from './lma-ops.ts';
import { updateMovingAverage } from './moving-average.ts';

/**
 * Light Multi-segment Activation, LMA-k (Xu et al., "Light Multi-segment Activation for Model Compression",
 * AAAI 2020; official code github.com/motefly/LMA).
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
  static readonly DEFAULT_EPSILON = LMA_DEFAULT_EPSILON;
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

export function lma(args?: LMAArgs): LMA {
  return new LMA(args);
}

// The layer's maths and ops live beside it; these names stay importable from here.
export { lmaBinMap as binMap, lmaInitialSlopes } from './lma-maths.ts';
export {
  LMA_GRAD_JS,
  LMA_JS,
  LMA_MOMENTS_JS,
  lmaActivation,
  lmaBatchActivation,
  lmaComposed,
} from './lma-ops.ts';
