import { SWISH_BETAS, type SwishBetas } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';

/** Swish with a trainable β (Ramachandran et al.): x · sigmoid(β·x), one β per layer or one per unit. */
export interface TrainableSwishArgs extends LayerArgs {
  /** Initial β. @defaultValue 1 (the LMA paper's Swish baseline) */
  initialBeta?: number;
  /**
   * 'layer': one β for the layer; 'unit': one per unit / channel (the last axis), as the official LMA code.
   * @defaultValue 'layer'
   */
  betas?: SwishBetas;
}

export class TrainableSwish extends tf.layers.Layer {
  static className = 'TrainableSwish';
  static readonly DEFAULT_INITIAL_BETA = 1;
  static readonly DEFAULT_BETAS: SwishBetas = 'layer';

  readonly initialBeta: number;
  readonly betas: SwishBetas;
  private beta!: tf.LayerVariable;

  constructor(args: TrainableSwishArgs = {}) {
    super(args);
    this.initialBeta = args.initialBeta ?? TrainableSwish.DEFAULT_INITIAL_BETA;
    this.betas = args.betas ?? TrainableSwish.DEFAULT_BETAS;
    if (!(SWISH_BETAS as readonly string[]).includes(this.betas)) {
      throw new Error(`TrainableSwish: betas must be one of ${SWISH_BETAS.join(', ')}, got ${this.betas}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const units = shape[shape.length - 1];
    if (this.betas === 'unit' && typeof units !== 'number') {
      throw new Error('TrainableSwish: the last input dimension must be known for one β per unit');
    }
    const size = this.betas === 'unit' ? (units as number) : 1;
    this.beta = this.addWeight('beta', [size], 'float32', tf.initializers.constant({ value: this.initialBeta }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      return x.mul(tf.sigmoid(x.mul(this.beta.read())));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { initialBeta: this.initialBeta, betas: this.betas, ...super.getConfig() };
  }
}
tf.serialization.registerClass(TrainableSwish);

export function trainableSwish(args?: TrainableSwishArgs): TrainableSwish {
  return new TrainableSwish(args);
}
