import type * as tf from '@tensorflow/tfjs';

/** Constructor arguments every tfjs layer accepts (name, inputShape, trainable, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
/** Keyword arguments of `Layer.call`; `training: true` while a model trains. */
export type Kwargs = Parameters<tf.layers.Layer['call']>[1];
export type Shape = Array<number | null>;
/** Serialised layer config as `getConfig` returns it. */
export type LayerConfig = ReturnType<tf.layers.Layer['getConfig']>;

/** One tensor from what `call` receives (layers here take exactly one input). */
export function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`expected exactly one input tensor, got ${inputs.length}`);
    return inputs[0] as tf.Tensor;
  }
  return inputs;
}
