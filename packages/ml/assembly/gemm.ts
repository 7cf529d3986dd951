// C[m×n] = A[m×k]·B[k×n] (+ C when `accumulate`), float32. B and C are row-major and contiguous; A is read
// through strides, A(r, c) = a[r·ars + c·acs], so one kernel serves X·W (ars = k, acs = 1) and Xᵀ·dY
// (ars = 1, acs = rows). A's values are broadcast scalars, B's rows and C's rows are f32x4 vectors.
//
// Loop order and packing: B is taken in strips of 8 columns (then 4, then single columns); a strip's rows are
// copied into one contiguous static block (PACK, at most PACK_ROWS rows at a time) and every block of 4 rows of
// A runs over it while it sits in L1. Walking B in place instead (1 KiB between rows for 256 columns, a new
// cache line and often a new page per step of the inner dimension) and re-reading all of B per row block held
// the kernel at ~44 GFLOP/s here; packed, the 4 × 8 tile (8 accumulators, 2 loads of B and 4 broadcast loads
// of A per step, 8 multiplies and 8 adds) runs at ~58, about the peak of 128-bit SIMD without fused
// multiply-add on this CPU (two multiplies and two adds per cycle). Wider tiles (6 × 8, 5 × 8, 4 × 12) need
// more than the 15 vector registers V8 allocates and were slower (27–37 GFLOP/s).
//
// Zero steps: before a strip's tiles run, each block of 4 rows of A lists the steps p where its 4 values are
// not all zero, and the tiles run over that list when it is shorter than the block. A step left out would
// have added 0·B(p, j) = ±0 to each sum, which changes no sum that is not itself zero (a float32 sum plus ±0
// is the sum; only the sign of an exact zero, and Inf or NaN in B, could tell the difference). MNIST-like
// inputs are mostly background: the first layer's products (X·W and Xᵀ·dY, two thirds of an MLP
// 784-256-256 step's products) skip most of their steps.
//
// The order of the additions is fixed and the same in every path: C(r, j) starts at 0 (or C) and adds
// A(r, p)·B(p, j) for p ascending, in float32 — a strip longer than PACK_ROWS stores its partial sums in C and
// continues from them, which is the same sequence of roundings. Results are deterministic and do not depend on
// the tiling.

/** Rows of a packed strip: 1024 × 8 floats, 32 KiB. */
const PACK_ROWS: i32 = 1024;
const PACK: usize = memory.data(PACK_ROWS * 8 * 4, 16);
/** Step lists of row blocks (u16 offsets, 64 Ki entries, 128 KiB) and their counts, for up to MAX_BLOCKS blocks. */
const LIST_ENTRIES: i32 = 65536;
const MAX_BLOCKS: i32 = 4096;
const LISTS: usize = memory.data(LIST_ENTRIES * 2, 16);
const COUNTS: usize = memory.data(MAX_BLOCKS * 4, 16);

/** PACK[p, 0..w) = B[p0 + p, j..j + w) for p < rows; w is 4 or 8. */
@inline
function packStrip(b: usize, n: i32, p0: i32, rows: i32, j: i32, w: i32): void {
  const rowBytes = <usize>n << 2;
  let src = b + <usize>p0 * rowBytes + (<usize>j << 2);
  let dst = PACK;
  if (w === 8) {
    for (let p = 0; p < rows; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += rowBytes;
      dst += 32;
    }
  } else {
    for (let p = 0; p < rows; p++) {
      v128.store(dst, v128.load(src));
      src += rowBytes;
      dst += 16;
    }
  }
}

/** PACK[p, 0..w) = Bᵀ[j..j + w, p0 + p] for p < rows (Bᵀ [n × k] row-major); w is 4 or 8. 4 × 4 blocks in registers. */
@inline
function packStripT(bt: usize, k: i32, p0: i32, rows: i32, j: i32, w: i32): void {
  const rowBytes = <usize>k << 2;
  const wBytes = <usize>w << 2;
  for (let g = 0; g < w; g += 4) {
    const src = bt + <usize>(j + g) * rowBytes + (<usize>p0 << 2);
    const dst = PACK + (<usize>g << 2);
    let p = 0;
    for (; p + 4 <= rows; p += 4) {
      const s = src + (<usize>p << 2);
      const r0 = v128.load(s);
      const r1 = v128.load(s + rowBytes);
      const r2 = v128.load(s + 2 * rowBytes);
      const r3 = v128.load(s + 3 * rowBytes);
      const a0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
      const a1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const b0 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const b1 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const d = dst + <usize>p * wBytes;
      v128.store(d, v128.shuffle<i64>(a0, b0, 0, 2));
      v128.store(d + wBytes, v128.shuffle<i64>(a0, b0, 1, 3));
      v128.store(d + 2 * wBytes, v128.shuffle<i64>(a1, b1, 0, 2));
      v128.store(d + 3 * wBytes, v128.shuffle<i64>(a1, b1, 1, 3));
    }
    for (; p < rows; p++) {
      for (let q = 0; q < 4; q++) {
        store<f32>(dst + <usize>p * wBytes + (<usize>q << 2), load<f32>(src + <usize>q * rowBytes + (<usize>p << 2)));
      }
    }
  }
}

/** C[r..r+4, j..j+8) (+)= A[r..r+4, p0..p0+rows) · PACK (8 columns wide). */
@inline
function tile4x8(a: usize, aRow: usize, aStep: usize, c: usize, rowBytes: usize, rows: i32, fromC: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
  let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const c1 = c + rowBytes;
  const c2 = c1 + rowBytes;
  const c3 = c2 + rowBytes;
  if (fromC) {
    s00 = v128.load(c); s01 = v128.load(c, 16);
    s10 = v128.load(c1); s11 = v128.load(c1, 16);
    s20 = v128.load(c2); s21 = v128.load(c2, 16);
    s30 = v128.load(c3); s31 = v128.load(c3, 16);
  }
  let bp = PACK;
  let ap = a;
  for (let p = 0; p < rows; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(ap);
    s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
    const x1 = v128.load32_splat(ap + aRow);
    s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
    const x2 = v128.load32_splat(ap + 2 * aRow);
    s20 = f32x4.add(s20, f32x4.mul(x2, b0)); s21 = f32x4.add(s21, f32x4.mul(x2, b1));
    const x3 = v128.load32_splat(ap + 3 * aRow);
    s30 = f32x4.add(s30, f32x4.mul(x3, b0)); s31 = f32x4.add(s31, f32x4.mul(x3, b1));
    bp += 32;
    ap += aStep;
  }
  v128.store(c, s00); v128.store(c, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/**
 * tile4x8 over the steps listed at `list` (count u16 offsets into the block, ascending) instead of every
 * step: the steps left out are those where the 4 values of A are all zero.
 */
@inline
function tile4x8List(a: usize, aRow: usize, aStep: usize, c: usize, rowBytes: usize, list: usize, count: i32, fromC: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
  let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const c1 = c + rowBytes;
  const c2 = c1 + rowBytes;
  const c3 = c2 + rowBytes;
  if (fromC) {
    s00 = v128.load(c); s01 = v128.load(c, 16);
    s10 = v128.load(c1); s11 = v128.load(c1, 16);
    s20 = v128.load(c2); s21 = v128.load(c2, 16);
    s30 = v128.load(c3); s31 = v128.load(c3, 16);
  }
  const end = list + (<usize>count << 1);
  for (let t = list; t < end; t += 2) {
    const p = <usize>load<u16>(t);
    const bp = PACK + (p << 5);
    const ap = a + p * aStep;
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(ap);
    s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
    const x1 = v128.load32_splat(ap + aRow);
    s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
    const x2 = v128.load32_splat(ap + 2 * aRow);
    s20 = f32x4.add(s20, f32x4.mul(x2, b0)); s21 = f32x4.add(s21, f32x4.mul(x2, b1));
    const x3 = v128.load32_splat(ap + 3 * aRow);
    s30 = f32x4.add(s30, f32x4.mul(x3, b0)); s31 = f32x4.add(s31, f32x4.mul(x3, b1));
  }
  v128.store(c, s00); v128.store(c, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/** tile4x4 over the listed steps (see tile4x8List). */
@inline
function tile4x4List(a: usize, aRow: usize, aStep: usize, c: usize, rowBytes: usize, list: usize, count: i32, fromC: bool): void {
  const c1 = c + rowBytes;
  const c2 = c1 + rowBytes;
  const c3 = c2 + rowBytes;
  let s0 = fromC ? v128.load(c) : f32x4.splat(0);
  let s1 = fromC ? v128.load(c1) : f32x4.splat(0);
  let s2 = fromC ? v128.load(c2) : f32x4.splat(0);
  let s3 = fromC ? v128.load(c3) : f32x4.splat(0);
  const end = list + (<usize>count << 1);
  for (let t = list; t < end; t += 2) {
    const p = <usize>load<u16>(t);
    const b0 = v128.load(PACK + (p << 4));
    const ap = a + p * aStep;
    s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(ap), b0));
    s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(ap + aRow), b0));
    s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(ap + 2 * aRow), b0));
    s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(ap + 3 * aRow), b0));
  }
  v128.store(c, s0); v128.store(c1, s1); v128.store(c2, s2); v128.store(c3, s3);
}

/**
 * The steps p < rows where A[r..r+4, p] is not all zero (bits: −0 counts as not zero), as u16 offsets at
 * `list`; returns their count.
 */
@inline
function listNonZero(a: usize, aRow: usize, aStep: usize, rows: i32, list: usize): i32 {
  let count = 0;
  let ap = a;
  if (aStep === 4 || aRow !== 4) {
    for (let p = 0; p < rows; p++) {
      const any = load<u32>(ap) | load<u32>(ap + aRow) | load<u32>(ap + 2 * aRow) | load<u32>(ap + 3 * aRow);
      store<u16>(list + (<usize>count << 1), <u16>p);
      count += i32(any !== 0);
      ap += aStep;
    }
  } else {
    // A transposed (the 4 values of a step are adjacent): one vector load per step.
    for (let p = 0; p < rows; p++) {
      store<u16>(list + (<usize>count << 1), <u16>p);
      count += i32(v128.any_true(v128.load(ap)));
      ap += aStep;
    }
  }
  return count;
}

/** C[r, j..j+8) (+)= A[r, p0..p0+rows) · PACK, one row. */
@inline
function tile1x8(a: usize, aStep: usize, c: usize, rows: i32, fromC: bool): void {
  let s0 = fromC ? v128.load(c) : f32x4.splat(0);
  let s1 = fromC ? v128.load(c, 16) : f32x4.splat(0);
  let bp = PACK;
  let ap = a;
  for (let p = 0; p < rows; p++) {
    const x = v128.load32_splat(ap);
    s0 = f32x4.add(s0, f32x4.mul(x, v128.load(bp)));
    s1 = f32x4.add(s1, f32x4.mul(x, v128.load(bp, 16)));
    bp += 32;
    ap += aStep;
  }
  v128.store(c, s0);
  v128.store(c, s1, 16);
}

/** C[r..r+4, j..j+4) (+)= A[r..r+4, p0..p0+rows) · PACK (4 columns wide). */
@inline
function tile4x4(a: usize, aRow: usize, aStep: usize, c: usize, rowBytes: usize, rows: i32, fromC: bool): void {
  const c1 = c + rowBytes;
  const c2 = c1 + rowBytes;
  const c3 = c2 + rowBytes;
  let s0 = fromC ? v128.load(c) : f32x4.splat(0);
  let s1 = fromC ? v128.load(c1) : f32x4.splat(0);
  let s2 = fromC ? v128.load(c2) : f32x4.splat(0);
  let s3 = fromC ? v128.load(c3) : f32x4.splat(0);
  let bp = PACK;
  let ap = a;
  for (let p = 0; p < rows; p++) {
    const b0 = v128.load(bp);
    s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(ap), b0));
    s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(ap + aRow), b0));
    s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(ap + 2 * aRow), b0));
    s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(ap + 3 * aRow), b0));
    bp += 16;
    ap += aStep;
  }
  v128.store(c, s0); v128.store(c1, s1); v128.store(c2, s2); v128.store(c3, s3);
}

/** C[r, j..j+4) (+)= A[r, p0..p0+rows) · PACK, one row. */
@inline
function tile1x4(a: usize, aStep: usize, c: usize, rows: i32, fromC: bool): void {
  let s = fromC ? v128.load(c) : f32x4.splat(0);
  let bp = PACK;
  let ap = a;
  for (let p = 0; p < rows; p++) {
    s = f32x4.add(s, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
    bp += 16;
    ap += aStep;
  }
  v128.store(c, s);
}

export function gemm(a: usize, ars: i32, acs: i32, b: usize, c: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  product(a, ars, acs, b, false, c, m, k, n, accumulate);
}

/**
 * C[m×n] (+)= A·Bᵀ with Bᵀ [n×k] row-major (a dense layer's kernel W [inputs × units] for dY·Wᵀ): gemm with B
 * read through its transpose while packing, so no transposed copy is made. The same additions in the same
 * order as gemm over the transposed matrix, so the same bits.
 */
export function gemmBt(a: usize, ars: i32, acs: i32, bt: usize, c: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  product(a, ars, acs, bt, true, c, m, k, n, accumulate);
}

@inline
function product(a: usize, ars: i32, acs: i32, b: usize, transposed: bool, c: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  const rowBytes = <usize>n << 2;
  const aRow = <usize>ars << 2;
  const aStep = <usize>acs << 2;
  const blocks = m >> 2;
  for (let p0 = 0; p0 < k; p0 += PACK_ROWS) {
    const rows = min(PACK_ROWS, k - p0);
    const fromC = accumulate || p0 > 0;
    const a0 = a + <usize>p0 * aStep;
    const group = min(MAX_BLOCKS, LIST_ENTRIES / rows);
    // Row blocks in groups whose step lists fit LISTS; the first group also runs when there is no block (m < 4)
    // and the last one takes the leftover rows.
    for (let g0 = 0; g0 === 0 || g0 < blocks; g0 += group) {
      const g1 = min(blocks, g0 + group);
      for (let q = g0; q < g1; q++) {
        const list = LISTS + ((<usize>(q - g0) * <usize>rows) << 1);
        store<i32>(COUNTS + (<usize>(q - g0) << 2), listNonZero(a0 + <usize>(q << 2) * aRow, aRow, aStep, rows, list));
      }
      for (let j = 0; j + 4 <= n; ) {
        const w = j + 8 <= n ? 8 : 4;
        const off = <usize>j << 2;
        if (transposed) packStripT(b, k, p0, rows, j, w);
        else packStrip(b, n, p0, rows, j, w);
        for (let q = g0; q < g1; q++) {
          const ar = a0 + <usize>(q << 2) * aRow;
          const cr = c + <usize>(q << 2) * rowBytes + off;
          const count = load<i32>(COUNTS + (<usize>(q - g0) << 2));
          const list = LISTS + ((<usize>(q - g0) * <usize>rows) << 1);
          if (count === rows) {
            if (w === 8) tile4x8(ar, aRow, aStep, cr, rowBytes, rows, fromC);
            else tile4x4(ar, aRow, aStep, cr, rowBytes, rows, fromC);
          } else if (w === 8) tile4x8List(ar, aRow, aStep, cr, rowBytes, list, count, fromC);
          else tile4x4List(ar, aRow, aStep, cr, rowBytes, list, count, fromC);
        }
        if (g1 === blocks) {
          for (let r = blocks << 2; r < m; r++) {
            const ar = a0 + <usize>r * aRow;
            const cr = c + <usize>r * rowBytes + off;
            if (w === 8) tile1x8(ar, aStep, cr, rows, fromC);
            else tile1x4(ar, aStep, cr, rows, fromC);
          }
        }
        j += w;
      }
    }
  }
  for (let j = n & ~3; j < n; j++) {
    for (let r = 0; r < m; r++) {
      const cp = c + ((<usize>r * <usize>n + <usize>j) << 2);
      let s: f32 = accumulate ? load<f32>(cp) : 0;
      let ap = a + <usize>r * aRow;
      // B(p, j): row p of B, or column p of row j of Bᵀ.
      let bp = transposed ? b + ((<usize>j * <usize>k) << 2) : b + (<usize>j << 2);
      const bStep: usize = transposed ? 4 : rowBytes;
      for (let p = 0; p < k; p++) {
        s += load<f32>(ap) * load<f32>(bp);
        ap += aStep;
        bp += bStep;
      }
      store<f32>(cp, s);
    }
  }
}
