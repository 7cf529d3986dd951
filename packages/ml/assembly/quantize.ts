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
    for (let i = from; i < to; i++) {
      const p = values + (<usize>i << 2);
      let code: f64 = 0;
      if (scale > 0) code = Math.max(0, Math.min(top, roundHalfUp((<f64>load<f32>(p) - offset) / scale)));
      store<f32>(p, <f32>(offset + code * scale));
    }
  }
}
