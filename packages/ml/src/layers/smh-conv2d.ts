import * as tf from '@tensorflow/tfjs';
import type { Kwargs, LayerArgs, LayerConfig, Shape } from './layer-types.ts';
import { checkSliceArgs, type SmhSliceArgs, sliceInputShapes, sliceKernel } from './smh-slice.ts';

/**
 * A 2-D convolution ('same' padding, stride 1, as the model builder's convs) whose kernel
 * [kernelSize, kernelSize, in, filters] is not stored: it is values `offset …` of the SMH pool (`SmhPool`'s
 * output, the second input), reshaped row-major and scaled by √(2/(kernelSize²·filters)) (× a learnable scalar
 * `scale` with `learnableScale`). Stores only `scale` (with `learnableScale`) and `bias`; call it on [x, pool].
 */
export interface SmhConv2DArgs extends LayerArgs, SmhSliceArgs {
  filters: number;
  /** Side of the square kernel. */
  kernelSize: number;
}

export class SmhConv2D extends tf.layers.Layer {
  static className = 'SmhConv2D';

  readonly filters: number;
  readonly kernelSize: number;
  readonly offset: number;
  readonly learnableScale: boolean;
  private scaleWeight: tf.LayerVariable | null = null;
  private bias!: tf.LayerVariable;
  private inputChannels = 0;

  constructor(args: SmhConv2DArgs) {
    super(args);
    const { offset, learnableScale } = checkSliceArgs('SmhConv2D', args);
    for (const [name, v] of [
      ['filters', args.filters],
      ['kernelSize', args.kernelSize],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`SmhConv2D: ${name} must be an integer ≥ 1, got ${v}`);
    }
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.offset = offset;
    this.learnableScale = learnableScale;
  }

  private kernelShape(): number[] {
    return [this.kernelSize, this.kernelSize, this.inputChannels, this.filters];
  }

  override build(inputShape: Shape | Shape[]): void {
    const { x, pool } = sliceInputShapes('SmhConv2D', inputShape);
    const channels = x[x.length - 1];
    if (x.length !== 4 || typeof channels !== 'number') {
      throw new Error('SmhConv2D: x must be [batch, height, width, channels] with known channels');
    }
    this.inputChannels = channels;
    const size = this.kernelShape().reduce((a, b) => a * b, 1);
    if (this.offset + size > pool) {
      throw new Error(`SmhConv2D: a kernel of ${size} values at ${this.offset} overruns a pool of ${pool}`);
    }
    if (this.learnableScale) {
      this.scaleWeight = this.addWeight('scale', [1], 'float32', tf.initializers.ones());
    }
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, pool] = inputs as [tf.Tensor, tf.Tensor];
      const kernel = sliceKernel(pool, this.offset, this.kernelShape(), this.scaleWeight);
      return tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same').add(this.bias.read());
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const { x } = sliceInputShapes('SmhConv2D', inputShape);
    return [...x.slice(0, -1), this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      offset: this.offset,
      learnableScale: this.learnableScale,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(SmhConv2D);

export function smhConv2d(args: SmhConv2DArgs): SmhConv2D {
  return new SmhConv2D(args);
}
