import * as tf from '@tensorflow/tfjs';
import type { Kwargs, LayerArgs, LayerConfig, Shape } from './layer-types.ts';
import { checkSliceArgs, type SmhSliceArgs, sliceInputShapes, sliceKernel } from './smh-slice.ts';

/**
 * A dense layer whose kernel [in, units] is not stored: it is values `offset … offset + in·units` of the SMH
 * pool (`SmhPool`'s output, the second input), reshaped row-major and scaled by 1/√units (× a learnable scalar
 * `scale` with `learnableScale`). Stores only `scale` (with `learnableScale`) and `bias`; call it on [x, pool].
 */
export interface SmhDenseArgs extends LayerArgs, SmhSliceArgs {
  units: number;
}

export class SmhDense extends tf.layers.Layer {
  static className = 'SmhDense';

  readonly units: number;
  readonly offset: number;
  readonly learnableScale: boolean;
  private scaleWeight: tf.LayerVariable | null = null;
  private bias!: tf.LayerVariable;
  private inputDim = 0;

  constructor(args: SmhDenseArgs) {
    super(args);
    const { offset, learnableScale } = checkSliceArgs('SmhDense', args);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`SmhDense: units must be an integer ≥ 1, got ${args.units}`);
    }
    this.units = args.units;
    this.offset = offset;
    this.learnableScale = learnableScale;
  }

  override build(inputShape: Shape | Shape[]): void {
    const { x, pool } = sliceInputShapes('SmhDense', inputShape);
    const inputDim = x[x.length - 1];
    if (typeof inputDim !== 'number') throw new Error('SmhDense: the last input dimension must be known');
    if (this.offset + inputDim * this.units > pool) {
      throw new Error(`SmhDense: a kernel of ${inputDim}×${this.units} at ${this.offset} overruns a pool of ${pool}`);
    }
    this.inputDim = inputDim;
    if (this.learnableScale) {
      this.scaleWeight = this.addWeight('scale', [1], 'float32', tf.initializers.ones());
    }
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, pool] = inputs as [tf.Tensor, tf.Tensor];
      const kernel = sliceKernel(pool, this.offset, [this.inputDim, this.units], this.scaleWeight);
      return tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D).add(this.bias.read());
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const { x } = sliceInputShapes('SmhDense', inputShape);
    return [...x.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return { units: this.units, offset: this.offset, learnableScale: this.learnableScale, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SmhDense);

export function smhDense(args: SmhDenseArgs): SmhDense {
  return new SmhDense(args);
}
