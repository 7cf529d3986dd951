import * as tf from '@tensorflow/tfjs';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';

/** Swish with a trainable β (Ramachandran et al.): x · sigmoid(β·x), one β per layer. */
export interface TrainableSwishArgs extends LayerArgs {
  /** Initial β. @defaultValue 1 (LMA.md, baselines) */
  initialBeta?: number;
}

export class TrainableSwish extends tf.layers.Layer {
  static className = 'TrainableSwish';
  static readonly DEFAULT_INITIAL_BETA = 1;

  readonly initialBeta: number;
  private beta!: tf.LayerVariable;

  constructor(args: TrainableSwishArgs = {}) {
    super(args);
    this.initialBeta = args.initialBeta ?? TrainableSwish.DEFAULT_INITIAL_BETA;
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.beta = this.addWeight('beta', [1], 'float32', tf.initializers.constant({ value: this.initialBeta }));
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
    return { initialBeta: this.initialBeta, ...super.getConfig() };
  }
}
tf.serialization.registerClass(TrainableSwish);

export function trainableSwish(args?: TrainableSwishArgs): TrainableSwish {
  return new TrainableSwish(args);
}
