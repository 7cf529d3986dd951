// The elementwise and reduction parts of a dense layer, float32, rows × n row-major.

/** y[r, j] += b[j] for every row r. */
export function addBias(y: usize, b: usize, rows: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(yr + off, f32x4.add(v128.load(yr + off), v128.load(b + off)));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      store<f32>(yr + off, load<f32>(yr + off) + load<f32>(b + off));
    }
  }
}

/** out[j] = Σ_r x[r, j] (rows in ascending order). */
export function columnSums(x: usize, rows: i32, n: i32, out: usize): void {
  const rowBytes = <usize>n << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, v128.load(x + <usize>r * rowBytes + off));
    v128.store(out + off, s);
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(x + <usize>r * rowBytes + off);
    store<f32>(out + off, s);
  }
}

/**
 * dst [cols × rows] = srcᵀ, src [rows × cols]. In 4 × 4 blocks (four row loads, a register transpose, four
 * row stores): element by element, every store of a 256 × 256 transpose went to another cache line, 8% of an
 * MLP 784-256-256 step.
 */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s0 = src + <usize>r * srcRow;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const s = s0 + (<usize>c << 2);
      const a = v128.load(s);
      const b = v128.load(s + srcRow);
      const e = v128.load(s + 2 * srcRow);
      const f = v128.load(s + 3 * srcRow);
      const ab0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
      const ab1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
      const ef0 = v128.shuffle<i32>(e, f, 0, 4, 1, 5);
      const ef1 = v128.shuffle<i32>(e, f, 2, 6, 3, 7);
      const d = dst + <usize>c * dstRow + (<usize>r << 2);
      v128.store(d, v128.shuffle<i64>(ab0, ef0, 0, 2));
      v128.store(d + dstRow, v128.shuffle<i64>(ab0, ef0, 1, 3));
      v128.store(d + 2 * dstRow, v128.shuffle<i64>(ab1, ef1, 0, 2));
      v128.store(d + 3 * dstRow, v128.shuffle<i64>(ab1, ef1, 1, 3));
    }
    for (; c < cols; c++) {
      for (let q = 0; q < 4; q++) {
        const v = load<f32>(s0 + <usize>q * srcRow + (<usize>c << 2));
        store<f32>(dst + <usize>c * dstRow + (<usize>(r + q) << 2), v);
      }
    }
  }
  for (; r < rows; r++) {
    const s = src + <usize>r * srcRow;
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + <usize>c * dstRow + (<usize>r << 2), load<f32>(s + (<usize>c << 2)));
    }
  }
}

/** y = max(x, 0); dx = dy where x > 0, else 0 (tfjs's ReLU and its gradient). */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, f32x4.max(v128.load(x + off), zero));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > 0 ? v : 0);
  }
}

export function reluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(dx + off, v128.and(v128.load(dy + off), f32x4.gt(v128.load(x + off), zero)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dx + off, load<f32>(x + off) > 0 ? load<f32>(dy + off) : 0);
  }
}
