/*
 * PReLU over x [rows, units] with one slope α per unit (size = units) or per layer (size 1), as the layer
 * composes it in float32, relu(x) − α·relu(−x): y = x for x > 0, α·x otherwise; its gradient dx = dy for x > 0,
 * α·dy for x < 0, 0 at 0, and dα = Σ dy·x over x < 0 (per α, in double precision). Four values at a time;
 * units that are not a multiple of 4 (with one α per unit) take the scalar loop.
 */

/** y = prelu(x) for x [rows, units]; alpha [size], size 1 or units. */
export function preluForward(x: usize, y: usize, rows: i32, units: i32, alpha: usize, size: i32): void {
  const n = rows * units;
  const zero = f32x4.splat(0);
  if (size === 1 || (units & 3) === 0) {
    const shared = v128.load32_splat(alpha);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const at = (<usize>i) << 2;
      const a = size === 1 ? shared : v128.load(alpha + ((<usize>(i % units)) << 2));
      const v = v128.load(x + at);
      v128.store(y + at, v128.bitselect(v, f32x4.mul(a, v), f32x4.gt(v, zero)));
    }
    const a = load<f32>(alpha);
    for (; i < n; i++) {
      const v = load<f32>(x + ((<usize>i) << 2));
      store<f32>(y + ((<usize>i) << 2), v > 0 ? v : a * v);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    store<f32>(y + ((<usize>i) << 2), v > 0 ? v : load<f32>(alpha + ((<usize>(i % units)) << 2)) * v);
  }
}

/** dx [rows, units] and dAlpha [size] from dy and x; `sums` is scratch for max(units, 4) f64. */
export function preluGrad(
  dy: usize,
  x: usize,
  dx: usize,
  rows: i32,
  units: i32,
  alpha: usize,
  size: i32,
  dAlpha: usize,
  sums: usize,
): void {
  const n = rows * units;
  const zero = f32x4.splat(0);
  if (size === 1 || (units & 3) === 0) {
    const lanes = size === 1 ? 4 : units;
    memory.fill(sums, 0, (<usize>lanes) << 3);
    const shared = v128.load32_splat(alpha);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const at = (<usize>i) << 2;
      const j = size === 1 ? 0 : i % units;
      const a = size === 1 ? shared : v128.load(alpha + ((<usize>j) << 2));
      const v = v128.load(x + at);
      const g = v128.load(dy + at);
      const negative = f32x4.lt(v, zero);
      v128.store(dx + at, v128.bitselect(g, v128.and(f32x4.mul(a, g), negative), f32x4.gt(v, zero)));
      const term = v128.and(f32x4.mul(g, v), negative);
      const p = sums + ((<usize>j) << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(term)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<i32>(term, term, 2, 3, 0, 1))), 16);
    }
    if (size === 1) {
      let total = load<f64>(sums) + load<f64>(sums, 8) + (load<f64>(sums, 16) + load<f64>(sums, 24));
      const a = load<f32>(alpha);
      for (; i < n; i++) {
        const at = (<usize>i) << 2;
        const v = load<f32>(x + at);
        const g = load<f32>(dy + at);
        store<f32>(dx + at, v > 0 ? g : v < 0 ? a * g : 0);
        if (v < 0) total += <f64>(g * v);
      }
      store<f32>(dAlpha, <f32>total);
    } else {
      for (let j = 0; j < units; j++) store<f32>(dAlpha + ((<usize>j) << 2), <f32>load<f64>(sums + ((<usize>j) << 3)));
    }
    return;
  }
  memory.fill(sums, 0, (<usize>units) << 3);
  for (let i = 0; i < n; i++) {
    const at = (<usize>i) << 2;
    const j = i % units;
    const v = load<f32>(x + at);
    const g = load<f32>(dy + at);
    store<f32>(dx + at, v > 0 ? g : v < 0 ? load<f32>(alpha + ((<usize>j) << 2)) * g : 0);
    if (v < 0) {
      const p = sums + ((<usize>j) << 3);
      store<f64>(p, load<f64>(p) + <f64>g * <f64>v);
    }
  }
  for (let j = 0; j < units; j++) store<f32>(dAlpha + ((<usize>j) << 2), <f32>load<f64>(sums + ((<usize>j) << 3)));
}
