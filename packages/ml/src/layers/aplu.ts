import { APLU_INITS, type ApluInit } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { hasJsKernel, registerJsKernel, runKernel } from '../backend/js-kernels.ts';
import { type Kwargs, type LayerArgs, type LayerConfig, oneTensor, type Shape } from './layer-types.ts';

/**
 * Adaptive piecewise linear unit, APLU (Agostinelli et al., 2015): per unit,
 * h(x) = max(0, x) + Σ_s a_s · max(0, −x + b_s), with S hinges (APLU-k uses k − 2, see `apluHinges`).
 * Weights `alpha` (a) and `offset` (b) have shape [S, units]. Initialisation (`init`):
 * - 'relu': as ReLU (a = 0) with the hinge locations b spread evenly over [−1, 1], so each hinge starts
 *   somewhere the (normalised) inputs are;
 * - 'random': the official LMA code's draw, a ~ U(−0.5, 0.5) and b ~ N(0, 0.5²) independently per hinge and
 *   unit, from `seed` (so one seed builds one model).
 */
export interface APLUArgs extends LayerArgs {
  /** S, the number of hinges per unit. @defaultValue 6 (APLU-8) */
  hinges?: number;
  /** @defaultValue 'relu' */
  init?: ApluInit;
  /** Seed of the 'random' initialisation. @defaultValue 0 */
  seed?: number;
}

export class APLU extends tf.layers.Layer {
  static className = 'APLU';
  static readonly DEFAULT_HINGES = 6;
  static readonly OFFSET_RANGE = 1;
  static readonly DEFAULT_INIT: ApluInit = 'relu';
  /** The official code's random draw: slopes uniform on ±RANDOM_SLOPE, locations normal with RANDOM_OFFSET_STD. */
  static readonly RANDOM_SLOPE = 0.5;
  static readonly RANDOM_OFFSET_STD = 0.5;

  readonly hinges: number;
  readonly init: ApluInit;
  readonly seed: number;
  private alpha!: tf.LayerVariable;
  private offset!: tf.LayerVariable;

  constructor(args: APLUArgs = {}) {
    super(args);
    this.hinges = args.hinges ?? APLU.DEFAULT_HINGES;
    this.init = args.init ?? APLU.DEFAULT_INIT;
    this.seed = args.seed ?? 0;
    if (!Number.isInteger(this.hinges) || this.hinges < 1) {
      throw new Error(`APLU: hinges must be an integer ≥ 1, got ${this.hinges}`);
    }
    if (!(APLU_INITS as readonly string[]).includes(this.init)) {
      throw new Error(`APLU: init must be one of ${APLU_INITS.join(', ')}, got ${this.init}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const units = shape[shape.length - 1];
    if (typeof units !== 'number') throw new Error('APLU: the last input dimension must be known');
    const s = this.hinges;
    if (this.init === 'random') {
      const r = APLU.RANDOM_SLOPE;
      const slopes = tf.initializers.randomUniform({ minval: -r, maxval: r, seed: this.seed });
      const offsets = tf.initializers.randomNormal({ mean: 0, stddev: APLU.RANDOM_OFFSET_STD, seed: this.seed + 1 });
      this.alpha = this.addWeight('alpha', [s, units], 'float32', slopes);
      this.offset = this.addWeight('offset', [s, units], 'float32', offsets);
      this.built = true;
      return;
    }
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
      if (hasJsKernel(APLU_KERNEL)) return apluKernelOp(x, this.alpha.read(), this.offset.read());
      return apluComposed(x, this.alpha.read(), this.offset.read());
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { hinges: this.hinges, init: this.init, seed: this.seed, ...super.getConfig() };
  }
}
tf.serialization.registerClass(APLU);

/** APLU composed of tfjs ops (backends without the fused kernel; the reference of the tests). */
export function apluComposed(x: tf.Tensor, alpha: tf.Tensor, offset: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const expanded = x.expandDims(-2); // [..., 1, units] against [S, units]
    const hinges = tf.relu(offset.sub(expanded)).mul(alpha);
    return tf.relu(x).add(hinges.sum(-2));
  });
}

/*
 * Fused APLU (wasm and cpu): the composed ops expand every activation to [..., S, units] (S = 6 hinges for
 * APLU-8), forward and backward — a CNN student's APLU step took ~10× its ReLU step. One pass each way here:
 *   y = max(0, x) + Σ_s a_s·max(0, b_s − x);
 *   dx = dy·([x > 0] − Σ_s a_s·[b_s > x]),  da_s = Σ dy·max(0, b_s − x),  db_s = Σ dy·a_s·[b_s > x]
 * (per unit: the last axis; sums over every other axis).
 */
const APLU_KERNEL = 'DistilleryAplu';
const APLU_GRAD_KERNEL = 'DistilleryApluGrad';

export const APLU_JS = registerJsKernel<Record<string, never>>({
  name: APLU_KERNEL,
  inputs: ['x', 'alpha', 'offset'],
  outputShapes: ([x]) => [x as number[]],
  compute([x, alpha, offset], [y], [, shape]) {
    const xs = x as Float32Array;
    const ys = y as Float32Array;
    const al = alpha as Float32Array;
    const off = offset as Float32Array;
    const [hinges, units] = shape as [number, number];
    const n = xs.length;
    for (let i = 0, c = 0; i < n; i++) {
      const v = xs[i] as number;
      let out = Math.max(v, 0);
      for (let s = 0, k = c; s < hinges; s++, k += units) {
        const h = (off[k] as number) - v;
        if (h > 0) out += (al[k] as number) * h;
      }
      ys[i] = out;
      if (++c === units) c = 0;
    }
  },
});

export const APLU_GRAD_JS = registerJsKernel<Record<string, never>>({
  name: APLU_GRAD_KERNEL,
  inputs: ['dy', 'x', 'alpha', 'offset'],
  outputShapes: ([dy, , alpha]) => [dy as number[], alpha as number[], alpha as number[]],
  compute([dy, x, alpha, offset], [dx, dAlpha, dOffset], [, , shape]) {
    const g = dy as Float32Array;
    const xs = x as Float32Array;
    const dxs = dx as Float32Array;
    const al = alpha as Float32Array;
    const off = offset as Float32Array;
    const [hinges, units] = shape as [number, number];
    const da = new Float64Array(al.length);
    const db = new Float64Array(al.length);
    const n = xs.length;
    for (let i = 0, c = 0; i < n; i++) {
      const v = xs[i] as number;
      const gi = g[i] as number;
      let d = v > 0 ? gi : 0;
      for (let s = 0, k = c; s < hinges; s++, k += units) {
        const h = (off[k] as number) - v;
        if (h > 0) {
          const a = al[k] as number;
          d -= a * gi;
          da[k] = (da[k] as number) + gi * h;
          db[k] = (db[k] as number) + gi * a;
        }
      }
      dxs[i] = d;
      if (++c === units) c = 0;
    }
    (dAlpha as Float32Array).set(da);
    (dOffset as Float32Array).set(db);
  },
});

const apluKernelOp = tf.customGrad(((
  x: tf.Tensor,
  alpha: tf.Tensor,
  offset: tf.Tensor,
  save: (ts: tf.Tensor[]) => void,
) => {
  const [value] = runKernel(APLU_KERNEL, { x, alpha, offset });
  save([x, alpha, offset]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, [sx, sa, so]: tf.Tensor[]) =>
      runKernel(APLU_GRAD_KERNEL, { dy, x: sx as tf.Tensor, alpha: sa as tf.Tensor, offset: so as tf.Tensor }),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

export function aplu(args?: APLUArgs): APLU {
  return new APLU(args);
}
