/*
 * Swish with a trainable β (x·σ(β·x)) over x [rows, units], one β per unit (size = units) or per layer
 * (size 1): the activation and its gradient, four values at a time with a float32 exp (Cephes' expf: a
 * degree-6 polynomial after range reduction by ln 2, within 2 ulp), for an image layer's n·h·w rows. Units that
 * are not a multiple of 4 (with one β per unit) take the scalar loop in double precision.
 *   y = x·s, s = σ(βx);  ∂y/∂x = s + βx·s(1 − s);  ∂y/∂β = x²·s(1 − s), summed per β in double precision.
 */

// @ts-ignore: decorator
@inline
function exp4(v: v128): v128 {
  const x = f32x4.min(f32x4.max(v, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  // r = x − n·ln 2, ln 2 in two parts so that n·(first part) is exact.
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline
function sigmoid4(u: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(u))));
}

function sigmoid(u: f64): f64 {
  return 1 / (1 + Math.exp(-u));
}

/** y = x·σ(β·x) for x [rows, units]; beta [size], size 1 or units. */
export function swishForward(x: usize, y: usize, rows: i32, units: i32, beta: usize, size: i32): void {
  const n = rows * units;
  if (size === 1) {
    const b = v128.load32_splat(beta);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const at = (<usize>i) << 2;
      const v = v128.load(x + at);
      v128.store(y + at, f32x4.mul(v, sigmoid4(f32x4.mul(v, b))));
    }
    const bs = <f64>load<f32>(beta);
    for (; i < n; i++) {
      const at = (<usize>i) << 2;
      const v = <f64>load<f32>(x + at);
      store<f32>(y + at, <f32>(v * sigmoid(<f64>(<f32>(v * bs)))));
    }
    return;
  }
  if ((units & 3) === 0) {
    for (let r = 0; r < rows; r++) {
      const row = (<usize>(r * units)) << 2;
      for (let j = 0; j < units; j += 4) {
        const at = row + ((<usize>j) << 2);
        const v = v128.load(x + at);
        const b = v128.load(beta + ((<usize>j) << 2));
        v128.store(y + at, f32x4.mul(v, sigmoid4(f32x4.mul(v, b))));
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      const at = (<usize>(r * units + j)) << 2;
      const v = <f64>load<f32>(x + at);
      const b = <f64>load<f32>(beta + ((<usize>j) << 2));
      store<f32>(y + at, <f32>(v * sigmoid(<f64>(<f32>(v * b)))));
    }
  }
}

/**
 * dx [rows, units] and dBeta [size] (f32; overwritten) from dy and x; `sums` is scratch for `size`·2 f64
 * (16-byte aligned).
 */
export function swishGrad(
  dy: usize,
  x: usize,
  dx: usize,
  rows: i32,
  units: i32,
  beta: usize,
  size: i32,
  dBeta: usize,
  sums: usize,
): void {
  const n = rows * units;
  const one = f32x4.splat(1);
  if (size === 1 || (units & 3) === 0) {
    // Per-lane sums: lanes of four consecutive units (size 1: any four values), added up per β at the end.
    const lanes = size === 1 ? 4 : units;
    memory.fill(sums, 0, (<usize>lanes) << 3);
    const shared = size === 1;
    const bShared = v128.load32_splat(beta);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const at = (<usize>i) << 2;
      const j = shared ? 0 : i % units;
      const b = shared ? bShared : v128.load(beta + ((<usize>j) << 2));
      const v = v128.load(x + at);
      const g = v128.load(dy + at);
      const s = sigmoid4(f32x4.mul(v, b));
      const ds = f32x4.mul(s, f32x4.sub(one, s));
      v128.store(dx + at, f32x4.mul(g, f32x4.add(s, f32x4.mul(f32x4.mul(b, v), ds))));
      const term = f32x4.mul(f32x4.mul(g, f32x4.mul(v, v)), ds);
      const p = sums + ((<usize>j) << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(term)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<i32>(term, term, 2, 3, 0, 1))), 16);
    }
    if (shared) {
      let total = load<f64>(sums) + load<f64>(sums, 8) + (load<f64>(sums, 16) + load<f64>(sums, 24));
      const bs = <f64>load<f32>(beta);
      for (; i < n; i++) {
        const at = (<usize>i) << 2;
        const v = <f64>load<f32>(x + at);
        const g = <f64>load<f32>(dy + at);
        const s = sigmoid(<f64>(<f32>(v * bs)));
        const ds = s * (1 - s);
        store<f32>(dx + at, <f32>(g * (s + bs * v * ds)));
        total += g * v * v * ds;
      }
      store<f32>(dBeta, <f32>total);
    } else {
      for (let j = 0; j < units; j++) store<f32>(dBeta + ((<usize>j) << 2), <f32>load<f64>(sums + ((<usize>j) << 3)));
    }
    return;
  }
  memory.fill(sums, 0, (<usize>size) << 3);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      const at = (<usize>(r * units + j)) << 2;
      const v = <f64>load<f32>(x + at);
      const g = <f64>load<f32>(dy + at);
      const b = <f64>load<f32>(beta + ((<usize>j) << 2));
      const s = sigmoid(<f64>(<f32>(v * b)));
      const ds = s * (1 - s);
      store<f32>(dx + at, <f32>(g * (s + b * v * ds)));
      const p = sums + ((<usize>j) << 3);
      store<f64>(p, load<f64>(p) + g * v * v * ds);
    }
  }
  for (let j = 0; j < units; j++) store<f32>(dBeta + ((<usize>j) << 2), <f32>load<f64>(sums + ((<usize>j) << 3)));
}
