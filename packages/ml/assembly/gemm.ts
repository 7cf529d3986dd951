// C[m×n] = A[m×k]·B[k×n] (+ C when `accumulate`), float32. B and C are row-major and contiguous; A is read
// through strides, A(r, c) = a[r·ars + c·acs], so one kernel serves X·W (ars = k, acs = 1) and Xᵀ·dY
// (ars = 1, acs = rows). A's values are broadcast scalars, B's rows and C's rows are f32x4 vectors.
//
// Register blocking: tiles of 4 rows × 8 columns (8 accumulators, 2 loads of B and 4 splats of A per step of
// the inner dimension), then 4 × 4, then scalar columns; leftover rows one at a time. The order of the
// additions is fixed (p ascending), so results are deterministic.

@inline
function splatA(a: usize, at: i32): v128 {
  return f32x4.splat(load<f32>(a + (<usize>at << 2)));
}

export function gemm(a: usize, ars: i32, acs: i32, b: usize, c: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  const rowBytes = <usize>n << 2;
  let r = 0;
  for (; r + 4 <= m; r += 4) {
    const c0 = c + <usize>r * rowBytes;
    const c1 = c0 + rowBytes;
    const c2 = c1 + rowBytes;
    const c3 = c2 + rowBytes;
    const a0 = r * ars;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const off = <usize>j << 2;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      if (accumulate) {
        s00 = v128.load(c0 + off); s01 = v128.load(c0 + off, 16);
        s10 = v128.load(c1 + off); s11 = v128.load(c1 + off, 16);
        s20 = v128.load(c2 + off); s21 = v128.load(c2 + off, 16);
        s30 = v128.load(c3 + off); s31 = v128.load(c3 + off, 16);
      }
      let bp = b + off;
      let at = a0;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const x0 = splatA(a, at);
        const x1 = splatA(a, at + ars);
        const x2 = splatA(a, at + 2 * ars);
        const x3 = splatA(a, at + 3 * ars);
        s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
        s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
        s20 = f32x4.add(s20, f32x4.mul(x2, b0)); s21 = f32x4.add(s21, f32x4.mul(x2, b1));
        s30 = f32x4.add(s30, f32x4.mul(x3, b0)); s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        bp += rowBytes;
        at += acs;
      }
      v128.store(c0 + off, s00); v128.store(c0 + off, s01, 16);
      v128.store(c1 + off, s10); v128.store(c1 + off, s11, 16);
      v128.store(c2 + off, s20); v128.store(c2 + off, s21, 16);
      v128.store(c3 + off, s30); v128.store(c3 + off, s31, 16);
    }
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      if (accumulate) {
        s0 = v128.load(c0 + off); s1 = v128.load(c1 + off); s2 = v128.load(c2 + off); s3 = v128.load(c3 + off);
      }
      let bp = b + off;
      let at = a0;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        s0 = f32x4.add(s0, f32x4.mul(splatA(a, at), b0));
        s1 = f32x4.add(s1, f32x4.mul(splatA(a, at + ars), b0));
        s2 = f32x4.add(s2, f32x4.mul(splatA(a, at + 2 * ars), b0));
        s3 = f32x4.add(s3, f32x4.mul(splatA(a, at + 3 * ars), b0));
        bp += rowBytes;
        at += acs;
      }
      v128.store(c0 + off, s0); v128.store(c1 + off, s1); v128.store(c2 + off, s2); v128.store(c3 + off, s3);
    }
    for (; j < n; j++) {
      for (let q = 0; q < 4; q++) {
        const cp = c + ((<usize>(r + q) * <usize>n + <usize>j) << 2);
        let s: f32 = accumulate ? load<f32>(cp) : 0;
        let at = (r + q) * ars;
        for (let p = 0; p < k; p++) {
          s += load<f32>(a + (<usize>at << 2)) * load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2));
          at += acs;
        }
        store<f32>(cp, s);
      }
    }
  }
  for (; r < m; r++) {
    const c0 = c + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      let s0 = accumulate ? v128.load(c0 + off) : f32x4.splat(0);
      let bp = b + off;
      let at = r * ars;
      for (let p = 0; p < k; p++) {
        s0 = f32x4.add(s0, f32x4.mul(splatA(a, at), v128.load(bp)));
        bp += rowBytes;
        at += acs;
      }
      v128.store(c0 + off, s0);
    }
    for (; j < n; j++) {
      const cp = c0 + (<usize>j << 2);
      let s: f32 = accumulate ? load<f32>(cp) : 0;
      let at = r * ars;
      for (let p = 0; p < k; p++) {
        s += load<f32>(a + (<usize>at << 2)) * load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2));
        at += acs;
      }
      store<f32>(cp, s);
    }
  }
}
