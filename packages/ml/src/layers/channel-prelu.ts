import { PRELU_SLOPES, type PreluSlopes } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';

/**
 * PReLU: relu(x) − α·relu(−x), with one slope per unit / channel (the last axis) or one for the whole layer.
 * tfjs's own PReLU shares slopes only through `sharedAxes` and stores them as [1, 1, c] for images; this layer
 * stores [c] (or [1]), the shape packages/spec's tensor list gives.
 */
export interface ChannelPReLUArgs extends LayerArgs {
  /** Initial slope of the negative part. @defaultValue 0.25 (He et al.; the LMA paper's PReLU baseline) */
  initialSlope?: number;
  /**
   * 'channel': one slope per unit / channel; 'layer': one slope shared by the layer, as the official LMA code's
   * `nn.PReLU()`. @defaultValue 'channel'
   */
  slopes?: PreluSlopes;
}

export class ChannelPReLU extends tf.layers.Layer {
  static className = 'ChannelPReLU';
  static readonly DEFAULT_INITIAL_SLOPE = 0.25;
  static readonly DEFAULT_SLOPES: PreluSlopes = 'channel';

  readonly initialSlope: number;
  readonly slopes: PreluSlopes;
  private alpha!: tf.LayerVariable;

  constructor(args: ChannelPReLUArgs = {}) {
    super(args);
    this.initialSlope = args.initialSlope ?? ChannelPReLU.DEFAULT_INITIAL_SLOPE;
    this.slopes = args.slopes ?? ChannelPReLU.DEFAULT_SLOPES;
    if (!(PRELU_SLOPES as readonly string[]).includes(this.slopes)) {
      throw new Error(`ChannelPReLU: slopes must be one of ${PRELU_SLOPES.join(', ')}, got ${this.slopes}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const units = shape[shape.length - 1];
    if (typeof units !== 'number') throw new Error('ChannelPReLU: the last input dimension must be known');
    const size = this.slopes === 'layer' ? 1 : units;
    this.alpha = this.addWeight('alpha', [size], 'float32', tf.initializers.constant({ value: this.initialSlope }));
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
    return { initialSlope: this.initialSlope, slopes: this.slopes, ...super.getConfig() };
  }
}
tf.serialization.registerClass(ChannelPReLU);

export function channelPRelu(args?: ChannelPReLUArgs): ChannelPReLU {
  return new ChannelPReLU(args);
}
