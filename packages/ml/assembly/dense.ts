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
