// QAT's fake quantization in place: min-max per bucket of `bucket` consecutive values, each value replaced by
// offset + code·scale — exactly as packages/ml's quantizeBuckets + dequantizeBuckets compute it (the scale in
// double precision rounded to float32, codes rounded half up as Math.round, clamped to [0, 2^bits − 1]).

@inline
function roundHalfUp(x: f64): f64 {
  const r = Math.floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

export function fakeQuantize(values: usize, n: i32, bits: i32, bucket: i32): void {
  const top = <f64>((<u64>1 << <u64>bits) - 1);
  for (let from = 0; from < n; from += bucket) {
    const to = min(n, from + bucket);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to; i++) {
      const v = <f64>load<f32>(values + (<usize>i << 2));
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const offset = <f64><f32>lo;
    const scale = <f64><f32>((hi - lo) / top);
    let i = from;
    if (scale > 0) {
      // Two values per f64x2, four per step, branch-free: the scalar loop's rounding branch went the data's way
      // (weights round up or down at random) and cost more than the division. The same operations in double.
      const vOffset = f64x2.splat(offset);
      const vScale = f64x2.splat(scale);
      const vTop = f64x2.splat(top);
      const zero = f64x2.splat(0);
      const half = f64x2.splat(0.5);
      const one = f64x2.splat(1);
      for (; i + 4 <= to; i += 4) {
        const p = values + (<usize>i << 2);
        const x = v128.load(p);
        const lo2 = f64x2.promote_low_f32x4(x);
        const hi2 = f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 0, 1));
        const tl = f64x2.div(f64x2.sub(lo2, vOffset), vScale);
        const th = f64x2.div(f64x2.sub(hi2, vOffset), vScale);
        const rl = f64x2.floor(tl);
        const rh = f64x2.floor(th);
        const cl = v128.bitselect(f64x2.add(rl, one), rl, f64x2.ge(f64x2.sub(tl, rl), half));
        const ch = v128.bitselect(f64x2.add(rh, one), rh, f64x2.ge(f64x2.sub(th, rh), half));
        const ql = f64x2.max(zero, f64x2.min(vTop, cl));
        const qh = f64x2.max(zero, f64x2.min(vTop, ch));
        const yl = f32x4.demote_f64x2_zero(f64x2.add(vOffset, f64x2.mul(ql, vScale)));
        const yh = f32x4.demote_f64x2_zero(f64x2.add(vOffset, f64x2.mul(qh, vScale)));
        v128.store(p, v128.shuffle<i32>(yl, yh, 0, 1, 4, 5));
      }
    }
    for (; i < to; i++) {
      const p = values + (<usize>i << 2);
      let code: f64 = 0;
      if (scale > 0) code = Math.max(0, Math.min(top, roundHalfUp((<f64>load<f32>(p) - offset) / scale)));
      store<f32>(p, <f32>(offset + code * scale));
    }
  }
}
