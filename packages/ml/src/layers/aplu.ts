import * as tf from '@tensorflow/tfjs';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';

/**
 * Adaptive piecewise linear unit, APLU (Agostinelli et al., 2015): per unit,
 * h(x) = max(0, x) + Σ_s a_s · max(0, −x + b_s), with S hinges (APLU-k uses k − 2, see `apluHinges`).
 * Weights `alpha` (a) and `offset` (b) have shape [S, units]. Initialised as ReLU (a = 0) with the hinge
 * locations b spread evenly over [−1, 1], so each hinge starts somewhere the (normalised) inputs are.
 */
export interface APLUArgs extends LayerArgs {
  /** S, the number of hinges per unit. @defaultValue 6 (APLU-8) */
  hinges?: number;
}

export class APLU extends tf.layers.Layer {
  static className = 'APLU';
  static readonly DEFAULT_HINGES = 6;
  static readonly OFFSET_RANGE = 1;

  readonly hinges: number;
  private alpha!: tf.LayerVariable;
  private offset!: tf.LayerVariable;

  constructor(args: APLUArgs = {}) {
    super(args);
    this.hinges = args.hinges ?? APLU.DEFAULT_HINGES;
    if (!Number.isInteger(this.hinges) || this.hinges < 1) {
      throw new Error(`APLU: hinges must be an integer ≥ 1, got ${this.hinges}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const units = shape[shape.length - 1];
    if (typeof units !== 'number') throw new Error('APLU: the last input dimension must be known');
    const s = this.hinges;
    this.alpha = this.addWeight('alpha', [s, units], 'float32', tf.initializers.zeros());
    this.offset = this.addWeight('offset', [s, units], 'float32', tf.initializers.zeros());
    const r = APLU.OFFSET_RANGE;
    const offsets = Array.from({ length: s }, (_, i) => (s === 1 ? 0 : -r + (2 * r * i) / (s - 1)));
    tf.tidy(() => {
      this.offset.write(tf.tensor1d(offsets).reshape([s, 1]).tile([1, units]));
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      const expanded = x.expandDims(-2); // [..., 1, units] against [S, units]
      const hinges = tf.relu(this.offset.read().sub(expanded)).mul(this.alpha.read());
      return tf.relu(x).add(hinges.sum(-2));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { hinges: this.hinges, ...super.getConfig() };
  }
}
tf.serialization.registerClass(APLU);

export function aplu(args?: APLUArgs): APLU {
  return new APLU(args);
}
