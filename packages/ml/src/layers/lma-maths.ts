/**
 * The arithmetic of Light Multi-segment Activation (LMA-k) on plain arrays: the batch moments, the segment of a
 * value, the forward pass and its gradient. The fused kernels (`lma-ops.ts`) run exactly these loops; a
 * training path of its own (a fused MLP) must use them to match the layer bit for bit.
 *
 * Segment j = clamp(floor(x·a + b), 0, k−1) with a = k/(6σ), b = (3σ − μ)·a: [μ−3σ, μ+3σ] split into k equal
 * bins (the outer two open-ended), σ floored at ε. Computed in double precision; stored as float32.
 */

/** Floor on σ, so a constant input still gets bins of positive width. */
export const LMA_DEFAULT_EPSILON = 1e-5;

/** ReLU-like initial slopes: 0 for the left ⌊k/2⌋ segments, 1 for the others. */
export function lmaInitialSlopes(k: number): number[] {
  return Array.from({ length: k }, (_, j) => (j < Math.floor(k / 2) ? 0 : 1));
}

/**
 * clamp(floor(u), 0, top) as an integer: for 0 < u < top, floor is truncation (`| 0`); u ≤ 0 (and NaN) give 0,
 * u ≥ top gives top — so no value is ever truncated outside int32.
 */
export function lmaSegmentOf(u: number, top: number): number {
  return u > 0 ? (u < top ? u | 0 : top) : 0;
}

/** Bin scale a and offset b of the segment index (see above), from μ, σ and ε (ε rounded to float32). */
export function lmaBinMap(k: number, mean: number, std: number, epsilon: number): [number, number] {
  const sigma = Math.max(std, Math.fround(epsilon));
  const a = k / (6 * sigma);
  return [a, (3 * sigma - mean) * a];
}

/** One scalar mean and (population) standard deviation of all of `x`, in two passes; 0 and 0 when empty. */
export function lmaMoments(x: Float32Array): { mean: number; std: number } {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i] as number;
  const mean = n > 0 ? sum / n : 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean;
    sq += d * d;
  }
  return { mean, std: Math.sqrt(n > 0 ? sq / n : 0) };
}

/** y = α_j·x + β_j, segment by segment, with μ and σ given. */
export function lmaForwardValues(
  x: Float32Array,
  alpha: Float32Array,
  beta: Float32Array,
  mean: number,
  std: number,
  epsilon: number,
  y: Float32Array,
): void {
  const k = alpha.length;
  const [a, b] = lmaBinMap(k, mean, std, epsilon);
  const top = k - 1;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    const j = lmaSegmentOf(v * a + b, top);
    y[i] = (alpha[j] as number) * v + (beta[j] as number);
  }
}

/**
 * The gradient with μ and σ detached: ∂/∂x = α_j·dy, ∂/∂α_j = Σ dy·x over segment j, ∂/∂β_j = Σ dy over it
 * (the sums in double precision).
 */
export function lmaGradValues(
  dy: Float32Array,
  x: Float32Array,
  alpha: Float32Array,
  mean: number,
  std: number,
  epsilon: number,
  out: { dx: Float32Array; dAlpha: Float32Array; dBeta: Float32Array },
): void {
  const k = alpha.length;
  const [a, b] = lmaBinMap(k, mean, std, epsilon);
  const top = k - 1;
  const sumGx = new Float64Array(k);
  const sumG = new Float64Array(k);
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    const gi = dy[i] as number;
    const j = lmaSegmentOf(v * a + b, top);
    out.dx[i] = (alpha[j] as number) * gi;
    sumGx[j] = (sumGx[j] as number) + gi * v;
    sumG[j] = (sumG[j] as number) + gi;
  }
  out.dAlpha.set(sumGx);
  out.dBeta.set(sumG);
}
