/*
 * APLU over x [rows, units] with S hinges per unit, alpha and offset [S, units]:
 *   y = max(0, x) + Σ_s a_s·max(0, b_s − x);
 *   dx = dy·[x > 0] − Σ_s a_s·dy·[b_s > x],  da_s = Σ dy·(b_s − x)·[b_s > x],  db_s = Σ dy·a_s·[b_s > x]
 * (the parameter gradients summed over rows). The same arithmetic as the layer's JavaScript kernel, value for
 * value: float32 inputs widened to double, the hinges added in order s = 0..S−1, a hinge that is off (b_s ≤ x)
 * contributing nothing, the parameter sums kept in double over rows in ascending order, results rounded to
 * float32 once — so the bits are the JavaScript kernel's. Two units at a time (f64x2); a hinge that is off
 * adds +0 (its term masked), which leaves every sum as it was because none of them is ever −0: the output
 * starts at max(0, x) ≥ +0 and the parameter sums at +0, and a round-to-nearest sum is −0 only when both
 * terms are.
 */

@inline
function widen2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

@inline
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** y [rows·units] = aplu(x); alpha, offset [hinges, units]. */
export function apluForward(x: usize, y: usize, rows: i32, units: i32, alpha: usize, offset: usize, hinges: i32): void {
  const zero = f64x2.splat(0);
  const unitBytes = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * unitBytes;
    const yr = y + <usize>r * unitBytes;
    let j = 0;
    for (; j + 2 <= units; j += 2) {
      const at = <usize>j << 2;
      const v = widen2(xr + at);
      let out = f64x2.max(v, zero);
      let k = at;
      for (let s = 0; s < hinges; s++) {
        const h = f64x2.sub(widen2(offset + k), v);
        out = f64x2.add(out, v128.and(f64x2.mul(widen2(alpha + k), h), f64x2.gt(h, zero)));
        k += unitBytes;
      }
      store2(yr + at, out);
    }
    for (; j < units; j++) {
      const at = <usize>j << 2;
      const v = <f64>load<f32>(xr + at);
      let out = max(v, 0.0);
      let k = at;
      for (let s = 0; s < hinges; s++) {
        const h = <f64>load<f32>(offset + k) - v;
        if (h > 0) out += <f64>load<f32>(alpha + k) * h;
        k += unitBytes;
      }
      store<f32>(yr + at, <f32>out);
    }
  }
}

/**
 * dx [rows·units] and dAlpha, dOffset [hinges, units] (overwritten) from dy and x; `sums` is scratch for
 * 2·hinges·units doubles.
 */
export function apluGrad(
  dy: usize,
  x: usize,
  dx: usize,
  rows: i32,
  units: i32,
  alpha: usize,
  offset: usize,
  hinges: i32,
  dAlpha: usize,
  dOffset: usize,
  sums: usize,
): void {
  const zero = f64x2.splat(0);
  const size = hinges * units;
  const unitBytes = <usize>units << 2;
  // da at sums + k·8, db at sums + (size + k)·8 for k = s·units + j.
  const dbAt = <usize>size << 3;
  memory.fill(sums, 0, <usize>size << 4);
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * unitBytes;
    let j = 0;
    for (; j + 2 <= units; j += 2) {
      const at = <usize>j << 2;
      const v = widen2(x + base + at);
      const g = widen2(dy + base + at);
      let d = v128.and(g, f64x2.gt(v, zero));
      let k = at;
      let sk = sums + (<usize>j << 3);
      for (let s = 0; s < hinges; s++) {
        const h = f64x2.sub(widen2(offset + k), v);
        const on = f64x2.gt(h, zero);
        const a = widen2(alpha + k);
        d = f64x2.sub(d, v128.and(f64x2.mul(a, g), on));
        v128.store(sk, f64x2.add(v128.load(sk), v128.and(f64x2.mul(g, h), on)));
        v128.store(sk + dbAt, f64x2.add(v128.load(sk + dbAt), v128.and(f64x2.mul(g, a), on)));
        k += unitBytes;
        sk += <usize>units << 3;
      }
      store2(dx + base + at, d);
    }
    for (; j < units; j++) {
      const at = <usize>j << 2;
      const v = <f64>load<f32>(x + base + at);
      const g = <f64>load<f32>(dy + base + at);
      let d = v > 0 ? g : 0.0;
      let k = at;
      let sk = sums + (<usize>j << 3);
      for (let s = 0; s < hinges; s++) {
        const h = <f64>load<f32>(offset + k) - v;
        if (h > 0) {
          const a = <f64>load<f32>(alpha + k);
          d -= a * g;
          store<f64>(sk, load<f64>(sk) + g * h);
          store<f64>(sk + dbAt, load<f64>(sk + dbAt) + g * a);
        }
        k += unitBytes;
        sk += <usize>units << 3;
      }
      store<f32>(dx + base + at, <f32>d);
    }
  }
  for (let k = 0; k < size; k++) {
    store<f32>(dAlpha + (<usize>k << 2), <f32>load<f64>(sums + (<usize>k << 3)));
    store<f32>(dOffset + (<usize>k << 2), <f32>load<f64>(sums + dbAt + (<usize>k << 3)));
  }
}
