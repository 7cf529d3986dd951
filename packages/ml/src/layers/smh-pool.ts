import { smhInitStddev } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import type { Kwargs, LayerArgs, LayerConfig, Shape } from './layer-types.ts';

/**
 * Structured Multi-Hashing's pool (Eban et al., CVPR 2020): two thin trainable matrices `left` L (m×k) and
 * `right` R (k×m) whose product Z = L·R is every kernel of the model at once. The layer's output is Z flattened
 * row-major, [m²], computed once per forward pass; `SmhDense` and `SmhConv2D` each take their contiguous slice
 * of it. Its input (the model's input) only places it in the graph: Z does not depend on the batch.
 *
 * L and R are drawn from N(0, σ²) with σ = √(1/√k), so that Z's entries (sums of k products) start with a
 * standard deviation of about 1; the consumers scale their slices by a fan-out factor.
 */
export interface SmhPoolArgs extends LayerArgs {
  /** m: rows of L, columns of R; Z is m×m. */
  rows: number;
  /** k: columns of L, rows of R. */
  columns: number;
  /** Seed of L's and R's initialisation (R draws from seed + 1). @defaultValue 0 */
  seed?: number;
}

export class SmhPool extends tf.layers.Layer {
  static className = 'SmhPool';
  static readonly DEFAULT_SEED = 0;

  readonly rows: number;
  readonly columns: number;
  readonly seed: number;
  private left!: tf.LayerVariable;
  private right!: tf.LayerVariable;

  constructor(args: SmhPoolArgs) {
    super(args);
    this.rows = args.rows;
    this.columns = args.columns;
    this.seed = args.seed ?? SmhPool.DEFAULT_SEED;
    for (const [name, v] of [
      ['rows', this.rows],
      ['columns', this.columns],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`SmhPool: ${name} must be an integer ≥ 1, got ${v}`);
    }
  }

  override build(_inputShape: Shape | Shape[]): void {
    const stddev = smhInitStddev(this.columns);
    const init = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev, seed });
    this.left = this.addWeight('left', [this.rows, this.columns], 'float32', init(this.seed));
    this.right = this.addWeight('right', [this.columns, this.rows], 'float32', init(this.seed + 1));
    this.built = true;
  }

  override call(_inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.matMul(this.left.read(), this.right.read()).reshape([this.rows * this.rows]));
  }

  override computeOutputShape(_inputShape: Shape | Shape[]): Shape {
    return [this.rows * this.rows];
  }

  override getConfig(): LayerConfig {
    return { rows: this.rows, columns: this.columns, seed: this.seed, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SmhPool);

export function smhPool(args: SmhPoolArgs): SmhPool {
  return new SmhPool(args);
}
