/*
 * BatchNorm's training step over x [rows, c] (channels last: a dense layer's units, or an image's channels with
 * rows = n·h·w), the math of the JavaScript kernels in packages/ml/src/layers/batch-norm.ts:
 *   forward:  μ_c, σ²_c (population variance), y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c;
 *   backward: dβ_c = Σ dy, dγ_c = Σ dy·x̂, dx = γ_c/√(σ²_c + ε) · (dy − dβ_c/M − x̂·dγ_c/M), M = rows.
 * The per-channel sums are accumulated in double precision (f64x2 lanes, rows in ascending order), around the
 * channel's first value for the variance; the per-value passes are f32x4 with per-channel coefficients
 * computed in double precision. Channel counts that are not a multiple of 4 take the scalar loop for the rest.
 */

// @ts-ignore: decorator
@inline
function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1));
}

/**
 * Per channel of x [rows, c]: sums of (x − s) and (x − s)² around s = x[0, c], in double precision, into
 * s1 and s2 (f64 [c]).
 */
function shiftedSums(x: usize, rows: i32, c: i32, s1: usize, s2: usize): void {
  const rowBytes = (<usize>c) << 2;
  let j = 0;
  if ((c & 3) === 0) {
    for (; j < c; j += 4) {
      const first = v128.load(x + ((<usize>j) << 2));
      const shiftLo = lo(first);
      const shiftHi = hi(first);
      let aLo = f64x2.splat(0);
      let aHi = f64x2.splat(0);
      let bLo = f64x2.splat(0);
      let bHi = f64x2.splat(0);
      let p = x + ((<usize>j) << 2);
      for (let r = 0; r < rows; r++) {
        const v = v128.load(p);
        const dLo = f64x2.sub(lo(v), shiftLo);
        const dHi = f64x2.sub(hi(v), shiftHi);
        aLo = f64x2.add(aLo, dLo);
        aHi = f64x2.add(aHi, dHi);
        bLo = f64x2.add(bLo, f64x2.mul(dLo, dLo));
        bHi = f64x2.add(bHi, f64x2.mul(dHi, dHi));
        p += rowBytes;
      }
      v128.store(s1 + ((<usize>j) << 3), aLo);
      v128.store(s1 + ((<usize>j) << 3), aHi, 16);
      v128.store(s2 + ((<usize>j) << 3), bLo);
      v128.store(s2 + ((<usize>j) << 3), bHi, 16);
    }
  }
  for (; j < c; j++) {
    const shift = <f64>load<f32>(x + ((<usize>j) << 2));
    let a: f64 = 0;
    let b: f64 = 0;
    let p = x + ((<usize>j) << 2);
    for (let r = 0; r < rows; r++) {
      const d = <f64>load<f32>(p) - shift;
      a += d;
      b += d * d;
      p += rowBytes;
    }
    store<f64>(s1 + ((<usize>j) << 3), a);
    store<f64>(s2 + ((<usize>j) << 3), b);
  }
}

/**
 * out[r, j] = a[j]·(x[r, j] − m[j]) + b[j] (+ e[j]·z[r, j] when z ≠ 0), per-channel f32 coefficients: centring
 * first keeps the result exact where the variance is tiny and a[j] huge.
 */
function affine(x: usize, m: usize, z: usize, out: usize, a: usize, b: usize, e: usize, rows: i32, c: i32): void {
  const rowBytes = (<usize>c) << 2;
  if ((c & 3) === 0 && c <= 64) {
    // Whole rows at a time; the coefficients stay in cache.
    for (let r = 0; r < rows; r++) {
      const base = (<usize>r) * rowBytes;
      for (let j = 0; j < c; j += 4) {
        const off = (<usize>j) << 2;
        const centred = f32x4.sub(v128.load(x + base + off), v128.load(m + off));
        let v = f32x4.add(f32x4.mul(v128.load(a + off), centred), v128.load(b + off));
        if (z !== 0) v = f32x4.add(v, f32x4.mul(v128.load(e + off), v128.load(z + base + off)));
        v128.store(out + base + off, v);
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r) * rowBytes;
    for (let j = 0; j < c; j++) {
      const off = (<usize>j) << 2;
      let v = load<f32>(a + off) * (load<f32>(x + base + off) - load<f32>(m + off)) + load<f32>(b + off);
      if (z !== 0) v += load<f32>(e + off) * load<f32>(z + base + off);
      store<f32>(out + base + off, v);
    }
  }
}

/**
 * y = γ·x̂ + β with the batch's statistics of x [rows, c]; writes them to mean and variance (f32 [c]).
 * `scratch` holds 8·c floats (16-byte aligned).
 */
export function batchNormTrain(
  x: usize,
  gamma: usize,
  beta: usize,
  y: usize,
  mean: usize,
  variance: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  epsilon: f64,
): void {
  const s1 = scratch;
  const s2 = scratch + ((<usize>c) << 3);
  shiftedSums(x, rows, c, s1, s2);
  const scale = scratch + ((<usize>c) << 4);
  for (let j = 0; j < c; j++) {
    const m1 = rows > 0 ? load<f64>(s1 + ((<usize>j) << 3)) / rows : 0;
    const mu = <f64>load<f32>(x + ((<usize>j) << 2)) + m1;
    const v = rows > 0 ? Math.max(0, load<f64>(s2 + ((<usize>j) << 3)) / rows - m1 * m1) : 0;
    const k = <f64>load<f32>(gamma + ((<usize>j) << 2)) / Math.sqrt(v + epsilon);
    store<f32>(mean + ((<usize>j) << 2), <f32>mu);
    store<f32>(variance + ((<usize>j) << 2), <f32>v);
    store<f32>(scale + ((<usize>j) << 2), <f32>k);
  }
  affine(x, mean, 0, y, scale, beta, 0, rows, c);
}

/**
 * The gradient of `batchNormTrain` at x with its statistics mean and variance: dx [rows, c], dGamma and
 * dBeta [c]. `scratch` holds 8·c floats (16-byte aligned).
 */
export function batchNormTrainGrad(
  dy: usize,
  x: usize,
  gamma: usize,
  mean: usize,
  variance: usize,
  dx: usize,
  dGamma: usize,
  dBeta: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  epsilon: f64,
): void {
  const rowBytes = (<usize>c) << 2;
  // Σ dy and Σ dy·(x − μ) per channel, in double precision.
  const sG = scratch;
  const sGx = scratch + ((<usize>c) << 3);
  let j = 0;
  if ((c & 3) === 0) {
    for (; j < c; j += 4) {
      const mu = v128.load(mean + ((<usize>j) << 2));
      const muLo = lo(mu);
      const muHi = hi(mu);
      let aLo = f64x2.splat(0);
      let aHi = f64x2.splat(0);
      let bLo = f64x2.splat(0);
      let bHi = f64x2.splat(0);
      let pg = dy + ((<usize>j) << 2);
      let px = x + ((<usize>j) << 2);
      for (let r = 0; r < rows; r++) {
        const g = v128.load(pg);
        const v = v128.load(px);
        const gLo = lo(g);
        const gHi = hi(g);
        aLo = f64x2.add(aLo, gLo);
        aHi = f64x2.add(aHi, gHi);
        bLo = f64x2.add(bLo, f64x2.mul(gLo, f64x2.sub(lo(v), muLo)));
        bHi = f64x2.add(bHi, f64x2.mul(gHi, f64x2.sub(hi(v), muHi)));
        pg += rowBytes;
        px += rowBytes;
      }
      v128.store(sG + ((<usize>j) << 3), aLo);
      v128.store(sG + ((<usize>j) << 3), aHi, 16);
      v128.store(sGx + ((<usize>j) << 3), bLo);
      v128.store(sGx + ((<usize>j) << 3), bHi, 16);
    }
  }
  for (; j < c; j++) {
    const mu = <f64>load<f32>(mean + ((<usize>j) << 2));
    let a: f64 = 0;
    let b: f64 = 0;
    let pg = dy + ((<usize>j) << 2);
    let px = x + ((<usize>j) << 2);
    for (let r = 0; r < rows; r++) {
      const g = <f64>load<f32>(pg);
      a += g;
      b += g * (<f64>load<f32>(px) - mu);
      pg += rowBytes;
      px += rowBytes;
    }
    store<f64>(sG + ((<usize>j) << 3), a);
    store<f64>(sGx + ((<usize>j) << 3), b);
  }
  // dx = B·(x − μ) + A·dy + C with A = γ·inv, B = −A·inv·dγ/M, C = −A·dβ/M.
  const A = scratch + ((<usize>c) << 4);
  const B = A + ((<usize>c) << 2);
  const C = B + ((<usize>c) << 2);
  for (j = 0; j < c; j++) {
    const inv = 1 / Math.sqrt(<f64>load<f32>(variance + ((<usize>j) << 2)) + epsilon);
    const sumG = load<f64>(sG + ((<usize>j) << 3));
    const sumGx = load<f64>(sGx + ((<usize>j) << 3)) * inv;
    const a = <f64>load<f32>(gamma + ((<usize>j) << 2)) * inv;
    const b = rows > 0 ? (-a * inv * sumGx) / rows : 0;
    const cc = rows > 0 ? (-a * sumG) / rows : 0;
    store<f32>(A + ((<usize>j) << 2), <f32>a);
    store<f32>(B + ((<usize>j) << 2), <f32>b);
    store<f32>(C + ((<usize>j) << 2), <f32>cc);
    store<f32>(dGamma + ((<usize>j) << 2), <f32>sumGx);
    store<f32>(dBeta + ((<usize>j) << 2), <f32>sumG);
  }
  affine(x, mean, dy, dx, B, C, A, rows, c);
}
