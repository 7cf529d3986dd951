/*
 * 2×2 max-pooling with stride 2 and 'valid' padding (NHWC), the pool of the CNN family: odd input rows and
 * columns past the last full window are dropped, as tfjs does. The forward pass records, per output value,
 * which of its window's four inputs won (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right; the first
 * maximum in that order, as tfjs's gradient takes it), so the gradient needs neither the input nor a search.
 * f32x4 SIMD over channels when they are a multiple of 4.
 */

/** y [n, h/2, w/2, c] = window maxima of x [n, h, w, c]; which [n, h/2, w/2, c] (i32) = the winners. */
export function maxPool2x2(x: usize, y: usize, which: usize, n: i32, h: i32, w: i32, c: i32): void {
  const oh = h >> 1;
  const ow = w >> 1;
  const rowBytes = (<usize>(w * c)) << 2;
  const colBytes = (<usize>c) << 2;
  let out = y;
  let win = which;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      let p = x + ((<usize>(((b * h + 2 * oy) * w) * c)) << 2);
      for (let ox = 0; ox < ow; ox++) {
        let ch = 0;
        if ((c & 3) === 0) {
          for (; ch < c; ch += 4) {
            const at = (<usize>ch) << 2;
            const v0 = v128.load(p + at);
            const v1 = v128.load(p + colBytes + at);
            const v2 = v128.load(p + rowBytes + at);
            const v3 = v128.load(p + rowBytes + colBytes + at);
            let best = v0;
            let idx = i32x4.splat(0);
            let m = f32x4.gt(v1, best);
            best = v128.bitselect(v1, best, m);
            idx = v128.bitselect(i32x4.splat(1), idx, m);
            m = f32x4.gt(v2, best);
            best = v128.bitselect(v2, best, m);
            idx = v128.bitselect(i32x4.splat(2), idx, m);
            m = f32x4.gt(v3, best);
            best = v128.bitselect(v3, best, m);
            idx = v128.bitselect(i32x4.splat(3), idx, m);
            v128.store(out + at, best);
            v128.store(win + at, idx);
          }
        }
        for (; ch < c; ch++) {
          const at = (<usize>ch) << 2;
          let best = load<f32>(p + at);
          let idx = 0;
          const v1 = load<f32>(p + colBytes + at);
          if (v1 > best) {
            best = v1;
            idx = 1;
          }
          const v2 = load<f32>(p + rowBytes + at);
          if (v2 > best) {
            best = v2;
            idx = 2;
          }
          const v3 = load<f32>(p + rowBytes + colBytes + at);
          if (v3 > best) {
            best = v3;
            idx = 3;
          }
          store<f32>(out + at, best);
          store<i32>(win + at, idx);
        }
        p += colBytes << 1;
        out += colBytes;
        win += colBytes;
      }
    }
  }
}

/**
 * dx [n, h, w, c] from dy [n, h/2, w/2, c] and the winners of `maxPool2x2`: each window's gradient goes to its
 * winner, zero elsewhere (and on the dropped odd row and column).
 */
export function maxPool2x2Grad(dy: usize, which: usize, dx: usize, n: i32, h: i32, w: i32, c: i32): void {
  const oh = h >> 1;
  const ow = w >> 1;
  const rowBytes = (<usize>(w * c)) << 2;
  const colBytes = (<usize>c) << 2;
  if ((h & 1) !== 0 || (w & 1) !== 0) memory.fill(dx, 0, (<usize>(n * h)) * rowBytes);
  let g = dy;
  let win = which;
  const zero = f32x4.splat(0);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      let p = dx + ((<usize>(((b * h + 2 * oy) * w) * c)) << 2);
      for (let ox = 0; ox < ow; ox++) {
        let ch = 0;
        if ((c & 3) === 0) {
          for (; ch < c; ch += 4) {
            const at = (<usize>ch) << 2;
            const d = v128.load(g + at);
            const i = v128.load(win + at);
            v128.store(p + at, v128.bitselect(d, zero, i32x4.eq(i, i32x4.splat(0))));
            v128.store(p + colBytes + at, v128.bitselect(d, zero, i32x4.eq(i, i32x4.splat(1))));
            v128.store(p + rowBytes + at, v128.bitselect(d, zero, i32x4.eq(i, i32x4.splat(2))));
            v128.store(p + rowBytes + colBytes + at, v128.bitselect(d, zero, i32x4.eq(i, i32x4.splat(3))));
          }
        }
        for (; ch < c; ch++) {
          const at = (<usize>ch) << 2;
          const d = load<f32>(g + at);
          const i = load<i32>(win + at);
          store<f32>(p + at, i === 0 ? d : 0);
          store<f32>(p + colBytes + at, i === 1 ? d : 0);
          store<f32>(p + rowBytes + at, i === 2 ? d : 0);
          store<f32>(p + rowBytes + colBytes + at, i === 3 ? d : 0);
        }
        p += colBytes << 1;
        g += colBytes;
        win += colBytes;
      }
    }
  }
}
