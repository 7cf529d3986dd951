import { smhFanoutScale } from '@distillery/spec';
import type * as tf from '@tensorflow/tfjs';
import type { Shape } from './layer-types.ts';

/** What `SmhDense` and `SmhConv2D` share: where their kernel lies in the pool and how it is scaled. */
export interface SmhSliceArgs {
  /** Position of the kernel's first value in Z flattened row-major. */
  offset: number;
  /**
   * Multiply the fan-out factor by a learnable scalar `scale`, initialised to 1 (the spec's `var_fanout`);
   * false: the constant factor alone (`fanout`). @defaultValue true
   */
  learnableScale?: boolean;
}

/** The spec's default scale, `var_fanout`: the fan-out factor times a learnable scalar. */
export const DEFAULT_LEARNABLE_SCALE = true;

export function checkSliceArgs(layer: string, args: SmhSliceArgs): { offset: number; learnableScale: boolean } {
  const learnableScale = args.learnableScale ?? DEFAULT_LEARNABLE_SCALE;
  if (!Number.isInteger(args.offset) || args.offset < 0) {
    throw new Error(`${layer}: offset must be an integer ≥ 0, got ${args.offset}`);
  }
  if (typeof learnableScale !== 'boolean') {
    throw new Error(`${layer}: learnableScale must be a boolean, got ${String(learnableScale)}`);
  }
  return { offset: args.offset, learnableScale };
}

/** The two input shapes of an SMH layer, [x, pool], with the pool's length checked. */
export function sliceInputShapes(layer: string, inputShape: Shape | Shape[]): { x: Shape; pool: number } {
  if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
    throw new Error(`${layer}: takes two inputs, [x, pool]`);
  }
  const [x, pool] = inputShape as [Shape, Shape];
  const length = pool[pool.length - 1];
  if (pool.length !== 1 || typeof length !== 'number') throw new Error(`${layer}: the pool input must be [m²]`);
  return { x, pool: length };
}

/**
 * The kernel of `shape` at `offset` in the flattened pool, times its fan-out factor and (var_fanout) the learnable
 * scalar: the official code's sequential slice followed by its scale modifier.
 */
export function sliceKernel(
  pool: tf.Tensor,
  offset: number,
  shape: number[],
  scale: tf.LayerVariable | null,
): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const kernel = pool.slice([offset], [size]).reshape(shape).mul(smhFanoutScale(shape));
  return scale ? kernel.mul(scale.read()) : kernel;
}
