/*
 * LMA-k's training kernels (Light Multi-segment Activation), the loops of the JavaScript kernels in
 * packages/ml/src/layers/lma.ts compiled instead of interpreted: over an image layer's activations (n·h·w·c
 * values) those loops were a large part of a CNN student's step. Segment j = clamp(floor(x·a + b), 0, k − 1)
 * with the bin scale a and offset b the caller derives from μ, σ and ε (binMap in lma.ts), computed in double
 * precision as there and without branches (segments of neighbouring values are unpredictable);
 * h(x) = α_j·x + β_j. The moments sum in four double-precision lanes (in a fixed order) instead of one chain.
 */

/** Mean and population standard deviation of x [n] (two passes, double precision) into out [2] (f32). */
export function lmaMoments(x: usize, n: i32, out: usize): void {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + ((<usize>i) << 2));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)));
  }
  let sum = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
  for (; i < n; i++) sum += <f64>load<f32>(x + ((<usize>i) << 2));
  const mu = n > 0 ? sum / n : 0;
  const m = f64x2.splat(mu);
  s0 = f64x2.splat(0);
  s1 = f64x2.splat(0);
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + ((<usize>i) << 2));
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), m);
    const d1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)), m);
    s0 = f64x2.add(s0, f64x2.mul(d0, d0));
    s1 = f64x2.add(s1, f64x2.mul(d1, d1));
  }
  let sq = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
  for (; i < n; i++) {
    const d = <f64>load<f32>(x + ((<usize>i) << 2)) - mu;
    sq += d * d;
  }
  store<f32>(out, <f32>mu);
  store<f32>(out, <f32>Math.sqrt(n > 0 ? sq / n : 0), 4);
}

// @ts-ignore: decorator
@inline
function segment(v: f64, a: f64, b: f64, top: i32): i32 {
  // clamp(floor(u), 0, top) for u = v·a + b: saturating truncation is floor for u > 0 (NaN gives 0), and
  // anything ≤ 0 clamps to 0.
  const t = <i32>(v * a + b);
  const low = select<i32>(t, 0, t > 0);
  return select<i32>(low, top, low < top);
}

/**
 * y [n] = α_j·x + β_j per value of x [n]; alpha and beta [k]. For k ≤ 8, four values at a time: the segments
 * from two f64x2 lanes each, and α_j, β_j looked up with byte swizzles from the two 16-byte halves of each
 * table (indices past a half select zeros); the product and sum then in float32.
 */
export function lmaForward(x: usize, y: usize, n: i32, alpha: usize, beta: usize, k: i32, a: f64, b: f64): void {
  const top = k - 1;
  let i = 0;
  if (k <= 8) {
    // The tables padded to 8 entries (the padding is never selected: segments stop at k − 1).
    const tables = memory.data(64, 16);
    memory.fill(tables, 0, 64);
    memory.copy(tables, alpha, (<usize>k) << 2);
    memory.copy(tables + 32, beta, (<usize>k) << 2);
    const aLo = v128.load(tables);
    const aHi = v128.load(tables, 16);
    const bLo = v128.load(tables, 32);
    const bHi = v128.load(tables, 48);
    const va = f64x2.splat(a);
    const vb = f64x2.splat(b);
    const zero = i32x4.splat(0);
    const last = i32x4.splat(top);
    const spread = i32x4.splat(0x04040404);
    const lanes = i32x4.splat(0x03020100);
    const half = i8x16.splat(16);
    for (; i + 4 <= n; i += 4) {
      const at = (<usize>i) << 2;
      const v = v128.load(x + at);
      const u0 = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), va), vb);
      const u1 = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)), va), vb);
      const t0 = i32x4.trunc_sat_f64x2_s_zero(u0);
      const t1 = i32x4.trunc_sat_f64x2_s_zero(u1);
      const j = i32x4.min_s(i32x4.max_s(v128.shuffle<i32>(t0, t1, 0, 1, 4, 5), zero), last);
      // Byte indices of each lane's entry: 4j + (0, 1, 2, 3).
      const bytes = i32x4.add(i32x4.mul(j, spread), lanes);
      const upper = i8x16.sub(bytes, half);
      const slope = v128.or(i8x16.swizzle(aLo, bytes), i8x16.swizzle(aHi, upper));
      const offset = v128.or(i8x16.swizzle(bLo, bytes), i8x16.swizzle(bHi, upper));
      v128.store(y + at, f32x4.add(f32x4.mul(slope, v), offset));
    }
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const v = <f64>load<f32>(x + at);
    const j = (<usize>segment(v, a, b, top)) << 2;
    store<f32>(y + at, <f32>(<f64>load<f32>(alpha + j) * v + <f64>load<f32>(beta + j)));
  }
}

/**
 * dx [n] = α_j·dy; dAlpha [k] = Σ_j dy·x and dBeta [k] = Σ_j dy over the values in each segment (f32, summed
 * in double precision in order, in `sums`: scratch for 2·k f64).
 */
export function lmaGrad(
  dy: usize,
  x: usize,
  dx: usize,
  n: i32,
  alpha: usize,
  k: i32,
  a: f64,
  b: f64,
  dAlpha: usize,
  dBeta: usize,
  sums: usize,
): void {
  const top = k - 1;
  const sumGx = sums;
  const sumG = sums + ((<usize>k) << 3);
  memory.fill(sums, 0, (<usize>k) << 4);
  for (let i = 0; i < n; i++) {
    const at = (<usize>i) << 2;
    const v = <f64>load<f32>(x + at);
    const g = <f64>load<f32>(dy + at);
    const j = segment(v, a, b, top);
    store<f32>(dx + at, <f32>(<f64>load<f32>(alpha + ((<usize>j) << 2)) * g));
    const s = (<usize>j) << 3;
    store<f64>(sumGx + s, load<f64>(sumGx + s) + g * v);
    store<f64>(sumG + s, load<f64>(sumG + s) + g);
  }
  for (let j = 0; j < k; j++) {
    store<f32>(dAlpha + ((<usize>j) << 2), <f32>load<f64>(sumGx + ((<usize>j) << 3)));
    store<f32>(dBeta + ((<usize>j) << 2), <f32>load<f64>(sumG + ((<usize>j) << 3)));
  }
}
