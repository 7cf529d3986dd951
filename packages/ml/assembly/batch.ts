// Batch assembly: pixels (u8) to float32 features scaled by `scale`, computed as the JavaScript batch code does:
// the product in double precision, rounded once to float32.

/** dst[i] = f32(f64(src[i]) · scale) for n bytes at src. */
export function pixelsToF32(src: usize, dst: usize, n: i32, scale: f64): void {
  const s = f64x2.splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const words = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(src + <usize>i)));
    const low = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_u(words), s));
    const high = f32x4.demote_f64x2_zero(
      f64x2.mul(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(words, words, 2, 3, 0, 1)), s),
    );
    v128.store(dst + (<usize>i << 2), v128.shuffle<i64>(low, high, 0, 2));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>(<f64>load<u8>(src + <usize>i) * scale));
}
