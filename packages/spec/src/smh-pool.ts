import type { TensorInfo } from './model-tensors.ts';

/** Name of the layer that holds SMH's two factor matrices (`smh_pool_1/left`, `smh_pool_1/right`). */
export const SMH_POOL_LAYER = 'smh_pool_1';

/** One virtual kernel's place in the pool: values `offset … offset + size` of Z flattened row-major. */
export interface SmhSlice {
  /** The layer whose kernel this is (`dense_1`, `conv2d_2`). */
  layer: string;
  /** The kernel's shape: [in, out] for dense, [kh, kw, in, out] for conv. */
  shape: number[];
  offset: number;
  size: number;
}

/** The pool of a model's kernels: Z = L·R with L m×k and R k×m. */
export interface SmhPool {
  /** N: values of the kernels the pool replaces (≤ m², the values Z has). */
  poolSize: number;
  m: number;
  k: number;
  /** 2mk: the values L and R store. */
  storedValues: number;
  /** Each kernel's slice, in layer order, back to back from offset 0. */
  slices: SmhSlice[];
}

/**
 * The pool for `kernels` (in layer order) at `fraction`, as the official code's ProductVariablePool sizes it:
 * m = ⌈√N⌉, k = ⌊0.5·fraction·N/m⌋. k is 0 when the fraction is below {@link smhMinFraction}; callers refuse
 * that (a pool of no columns).
 */
export function smhPool(kernels: readonly Pick<TensorInfo, 'name' | 'shape'>[], fraction: number): SmhPool {
  const slices: SmhSlice[] = [];
  let offset = 0;
  for (const t of kernels) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const slash = t.name.indexOf('/');
    slices.push({ layer: slash < 0 ? t.name : t.name.slice(0, slash), shape: [...t.shape], offset, size });
    offset += size;
  }
  const poolSize = offset;
  const m = Math.ceil(Math.sqrt(poolSize));
  const k = m === 0 ? 0 : Math.floor((0.5 * fraction * poolSize) / m);
  return { poolSize, m, k, storedValues: 2 * m * k, slices };
}

/** The smallest fraction that gives the pool at least one column (k ≥ 1): 2m/N. */
export function smhMinFraction(pool: Pick<SmhPool, 'poolSize' | 'm'>): number {
  return pool.poolSize === 0 ? Number.POSITIVE_INFINITY : (2 * pool.m) / pool.poolSize;
}

/**
 * σ of L's and R's normal initialisation, √(1/√k), so that each entry of Z = L·R (a sum of k products) has a
 * standard deviation of about 1.
 */
export function smhInitStddev(k: number): number {
  return Math.sqrt(1 / Math.sqrt(k));
}

/**
 * The fan-out factor a kernel's slice is multiplied by (the official code's constant fan-out modifier):
 * √(2/(kh·kw·out)) for a conv kernel [kh, kw, in, out], 1/√out for a dense kernel [in, out].
 */
export function smhFanoutScale(shape: readonly number[]): number {
  if (shape.length === 4) {
    const [kh, kw, , out] = shape as [number, number, number, number];
    return Math.sqrt(2 / (kh * kw * out));
  }
  if (shape.length === 2) return 1 / Math.sqrt(shape[1] as number);
  throw new Error(`an SMH kernel is [in, out] or [kh, kw, in, out], got [${shape.join(', ')}]`);
}
