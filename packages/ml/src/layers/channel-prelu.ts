import * as tf from '@tensorflow/tfjs';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';

/**
 * PReLU with one slope per unit / channel (the last axis): relu(x) − α·relu(−x). tfjs's own PReLU shares
 * slopes only through `sharedAxes` and stores them as [1, 1, c] for images; this layer stores [c], the shape
 * packages/spec's tensor list gives.
 */
export interface ChannelPReLUArgs extends LayerArgs {
  /** Initial slope of the negative part. @defaultValue 0.25 (He et al.; LMA.md, baselines) */
  initialSlope?: number;
}

export class ChannelPReLU extends tf.layers.Layer {
  static className = 'ChannelPReLU';
  static readonly DEFAULT_INITIAL_SLOPE = 0.25;

  readonly initialSlope: number;
  private alpha!: tf.LayerVariable;

  constructor(args: ChannelPReLUArgs = {}) {
    super(args);
    this.initialSlope = args.initialSlope ?? ChannelPReLU.DEFAULT_INITIAL_SLOPE;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const units = shape[shape.length - 1];
    if (typeof units !== 'number') throw new Error('ChannelPReLU: the last input dimension must be known');
    this.alpha = this.addWeight('alpha', [units], 'float32', tf.initializers.constant({ value: this.initialSlope }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      return tf.relu(x).sub(this.alpha.read().mul(tf.relu(x.neg())));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { initialSlope: this.initialSlope, ...super.getConfig() };
  }
}
tf.serialization.registerClass(ChannelPReLU);

export function channelPRelu(args?: ChannelPReLUArgs): ChannelPReLU {
  return new ChannelPReLU(args);
}
