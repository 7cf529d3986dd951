/*
 * Direct 2-D convolution for the small channel counts of CNN students (NHWC, stride 1, dilation 1), forward,
 * input gradient and filter gradient, with f32x4 SIMD over output channels in blocks of 16, 8 and 4 (a scalar
 * loop for the rest). The input is read from a zero-padded copy (see `conv2dPad`), so no loop tests borders:
 *   xp: [n, h + kh − 1, w + kw − 1, cin], the input at rows top…top+h−1 and columns left…left+w−1;
 *   filter: [kh, kw, cin, cout] (tfjs's layout); y: [n, h, w, cout], the 'same'-sized output.
 * For one output pixel and one kernel row, the (kx, ci) pairs are consecutive both in xp and in the filter, so
 * the innermost loop walks both with a constant stride. All pointers are byte addresses in this module's memory.
 */

/** Copies x [n, h, w, c] into xp [n, h + kh − 1, w + kw − 1, c] at (top, left), zeroing the border. */
export function conv2dPad(
  x: usize,
  xp: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  top: i32,
  left: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const rowBytes = (<usize>(w * c)) << 2;
  const padRowBytes = (<usize>(wp * c)) << 2;
  const leftBytes = (<usize>(left * c)) << 2;
  const rightBytes = (<usize>((wp - w - left) * c)) << 2;
  let src = x;
  let dst = xp;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < hp; y++) {
      const iy = y - top;
      if (iy < 0 || iy >= h) {
        memory.fill(dst, 0, padRowBytes);
      } else {
        memory.fill(dst, 0, leftBytes);
        memory.copy(dst + leftBytes, src, rowBytes);
        memory.fill(dst + leftBytes + rowBytes, 0, rightBytes);
        src += rowBytes;
      }
      dst += padRowBytes;
    }
  }
}

/**
 * y[b, oy, ox, co] = bias[co] + Σ_{ky, kx, ci} xp[b, oy + ky, ox + kx, ci] · filter[ky, kx, ci, co].
 * `bias` 0 means none.
 */
export function conv2dForward(
  xp: usize,
  filter: usize,
  bias: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
): void {
  let co = 0;
  for (; co + 16 <= cout; co += 16) forward16(xp, filter, bias, y, n, h, w, cin, cout, kh, kw, co);
  if (co + 8 <= cout) {
    forward8(xp, filter, bias, y, n, h, w, cin, cout, kh, kw, co);
    co += 8;
  }
  if (co + 4 <= cout) {
    forward4(xp, filter, bias, y, n, h, w, cin, cout, kh, kw, co);
    co += 4;
  }
  for (; co < cout; co++) forward1(xp, filter, bias, y, n, h, w, cin, cout, kh, kw, co);
}

function biasVector(bias: usize, co: i32, lane: i32): v128 {
  return bias === 0 ? f32x4.splat(0) : v128.load(bias + ((<usize>(co + lane * 4)) << 2));
}

function forward16(
  xp: usize,
  filter: usize,
  bias: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const wStep = (<usize>cout) << 2;
  const wRow = (<usize>(kw * cin * cout)) << 2;
  const xRow = (<usize>(wp * cin)) << 2;
  const next = (<usize>cin) << 2;
  const b0 = biasVector(bias, co, 0);
  const b1 = biasVector(bias, co, 1);
  const b2 = biasVector(bias, co, 2);
  const b3 = biasVector(bias, co, 3);
  let out = y + ((<usize>co) << 2);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const rowStart = xp + (((<usize>((b * hp + oy) * wp)) * cin) << 2);
      // Two output pixels at a time share each filter load (eight accumulators).
      let ox = 0;
      for (; ox + 2 <= w; ox += 2) {
        let a0 = b0;
        let a1 = b1;
        let a2 = b2;
        let a3 = b3;
        let c0 = b0;
        let c1 = b1;
        let c2 = b2;
        let c3 = b3;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            const s = v128.load32_splat(xi);
            const t = v128.load32_splat(xi + next);
            const f0 = v128.load(wi);
            const f1 = v128.load(wi, 16);
            const f2 = v128.load(wi, 32);
            const f3 = v128.load(wi, 48);
            a0 = f32x4.add(a0, f32x4.mul(s, f0));
            a1 = f32x4.add(a1, f32x4.mul(s, f1));
            a2 = f32x4.add(a2, f32x4.mul(s, f2));
            a3 = f32x4.add(a3, f32x4.mul(s, f3));
            c0 = f32x4.add(c0, f32x4.mul(t, f0));
            c1 = f32x4.add(c1, f32x4.mul(t, f1));
            c2 = f32x4.add(c2, f32x4.mul(t, f2));
            c3 = f32x4.add(c3, f32x4.mul(t, f3));
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        v128.store(out, a0);
        v128.store(out, a1, 16);
        v128.store(out, a2, 32);
        v128.store(out, a3, 48);
        out += wStep;
        v128.store(out, c0);
        v128.store(out, c1, 16);
        v128.store(out, c2, 32);
        v128.store(out, c3, 48);
        out += wStep;
      }
      for (; ox < w; ox++) {
        let a0 = b0;
        let a1 = b1;
        let a2 = b2;
        let a3 = b3;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            const s = v128.load32_splat(xi);
            a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wi)));
            a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wi, 16)));
            a2 = f32x4.add(a2, f32x4.mul(s, v128.load(wi, 32)));
            a3 = f32x4.add(a3, f32x4.mul(s, v128.load(wi, 48)));
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        v128.store(out, a0);
        v128.store(out, a1, 16);
        v128.store(out, a2, 32);
        v128.store(out, a3, 48);
        out += wStep;
      }
    }
  }
}

function forward8(
  xp: usize,
  filter: usize,
  bias: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const wStep = (<usize>cout) << 2;
  const wRow = (<usize>(kw * cin * cout)) << 2;
  const xRow = (<usize>(wp * cin)) << 2;
  const b0 = biasVector(bias, co, 0);
  const b1 = biasVector(bias, co, 1);
  let out = y + ((<usize>co) << 2);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const rowStart = xp + (((<usize>((b * hp + oy) * wp)) * cin) << 2);
      // Two output pixels at a time share each filter load.
      let ox = 0;
      for (; ox + 2 <= w; ox += 2) {
        let a0 = b0;
        let a1 = b1;
        let c0 = b0;
        let c1 = b1;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        const next = (<usize>cin) << 2;
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            const s = v128.load32_splat(xi);
            const t = v128.load32_splat(xi + next);
            const f0 = v128.load(wi);
            const f1 = v128.load(wi, 16);
            a0 = f32x4.add(a0, f32x4.mul(s, f0));
            a1 = f32x4.add(a1, f32x4.mul(s, f1));
            c0 = f32x4.add(c0, f32x4.mul(t, f0));
            c1 = f32x4.add(c1, f32x4.mul(t, f1));
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        v128.store(out, a0);
        v128.store(out, a1, 16);
        out += wStep;
        v128.store(out, c0);
        v128.store(out, c1, 16);
        out += wStep;
      }
      for (; ox < w; ox++) {
        let a0 = b0;
        let a1 = b1;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            const s = v128.load32_splat(xi);
            a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wi)));
            a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wi, 16)));
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        v128.store(out, a0);
        v128.store(out, a1, 16);
        out += wStep;
      }
    }
  }
}

function forward4(
  xp: usize,
  filter: usize,
  bias: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const wStep = (<usize>cout) << 2;
  const wRow = (<usize>(kw * cin * cout)) << 2;
  const xRow = (<usize>(wp * cin)) << 2;
  const b0 = biasVector(bias, co, 0);
  const next = (<usize>cin) << 2;
  let out = y + ((<usize>co) << 2);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const rowStart = xp + (((<usize>((b * hp + oy) * wp)) * cin) << 2);
      // Four output pixels at a time share each filter load.
      let ox = 0;
      for (; ox + 4 <= w; ox += 4) {
        let a0 = b0;
        let a1 = b0;
        let a2 = b0;
        let a3 = b0;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            const f = v128.load(wi);
            a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xi), f));
            a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(xi + next), f));
            a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(xi + 2 * next), f));
            a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(xi + 3 * next), f));
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        v128.store(out, a0);
        out += wStep;
        v128.store(out, a1);
        out += wStep;
        v128.store(out, a2);
        out += wStep;
        v128.store(out, a3);
        out += wStep;
      }
      for (; ox < w; ox++) {
        let a0 = b0;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xi), v128.load(wi)));
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        v128.store(out, a0);
        out += wStep;
      }
    }
  }
}

function forward1(
  xp: usize,
  filter: usize,
  bias: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const wStep = (<usize>cout) << 2;
  const wRow = (<usize>(kw * cin * cout)) << 2;
  const xRow = (<usize>(wp * cin)) << 2;
  const b0: f32 = bias === 0 ? 0 : load<f32>(bias + ((<usize>co) << 2));
  let out = y + ((<usize>co) << 2);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const rowStart = xp + (((<usize>((b * hp + oy) * wp)) * cin) << 2);
      for (let ox = 0; ox < w; ox++) {
        let a = b0;
        let xr = rowStart + ((<usize>(ox * cin)) << 2);
        let wr = filter + ((<usize>co) << 2);
        for (let ky = 0; ky < kh; ky++) {
          let xi = xr;
          let wi = wr;
          for (let j = 0; j < run; j++) {
            a += load<f32>(xi) * load<f32>(wi);
            xi += 4;
            wi += wStep;
          }
          xr += xRow;
          wr += wRow;
        }
        store<f32>(out, a);
        out += wStep;
      }
    }
  }
}

/**
 * The filter for the input gradient: flipped[ky, kx, co, ci] = filter[kh − 1 − ky, kw − 1 − kx, ci, co]. The
 * input gradient is then `conv2dForward` of dy (padded with kh − 1 − top rows above and kw − 1 − left columns
 * on the left) with this filter, cout and cin swapped and no bias:
 *   dx[b, iy, ix, ci] = Σ dy[b, iy + top − ky, ix + left − kx, co] · filter[ky, kx, ci, co].
 */
export function conv2dFlipFilter(filter: usize, flipped: usize, kh: i32, kw: i32, cin: i32, cout: i32): void {
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const src = filter + ((<usize>(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cin * cout)) << 2);
      const dst = flipped + ((<usize>((ky * kw + kx) * cin * cout)) << 2);
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) {
          store<f32>(dst + ((<usize>(co * cin + ci)) << 2), load<f32>(src + ((<usize>(ci * cout + co)) << 2)));
        }
      }
    }
  }
}

/**
 * dFilter[ky, kx, ci, co] = Σ_{b, oy, ox} xp[b, oy + ky, ox + kx, ci] · dy[b, oy, ox, co] and
 * dBias[co] = Σ dy[…, co] (`dBias` 0: not wanted). Per output row, each (ky, kx, ci) accumulates the row's
 * pixels in registers before adding into dFilter, which stays in cache (kh·kw·cin·cout floats).
 */
export function conv2dFilterGrad(
  xp: usize,
  dy: usize,
  dFilter: usize,
  dBias: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
): void {
  memory.fill(dFilter, 0, (<usize>(kh * kw * cin * cout)) << 2);
  let co = 0;
  for (; co + 16 <= cout; co += 16) filterGrad16(xp, dy, dFilter, n, h, w, cin, cout, kh, kw, co);
  if (co + 8 <= cout) {
    filterGrad8(xp, dy, dFilter, n, h, w, cin, cout, kh, kw, co);
    co += 8;
  }
  if (co + 4 <= cout) {
    filterGrad4(xp, dy, dFilter, n, h, w, cin, cout, kh, kw, co);
    co += 4;
  }
  for (; co < cout; co++) filterGrad1(xp, dy, dFilter, n, h, w, cin, cout, kh, kw, co);
  if (dBias !== 0) channelSums(dy, dBias, n * h * w, cout);
}

/** sums[c] = Σ_r x[r, c] for x [rows, channels]. */
export function channelSums(x: usize, sums: usize, rows: i32, channels: i32): void {
  memory.fill(sums, 0, (<usize>channels) << 2);
  const rowBytes = (<usize>channels) << 2;
  let c = 0;
  for (; c + 4 <= channels; c += 4) {
    let a = f32x4.splat(0);
    let p = x + ((<usize>c) << 2);
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      p += rowBytes;
    }
    v128.store(sums + ((<usize>c) << 2), a);
  }
  for (; c < channels; c++) {
    let a: f32 = 0;
    let p = x + ((<usize>c) << 2);
    for (let r = 0; r < rows; r++) {
      a += load<f32>(p);
      p += rowBytes;
    }
    store<f32>(sums + ((<usize>c) << 2), a);
  }
}

function filterGrad16(
  xp: usize,
  dy: usize,
  dFilter: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const xStep = (<usize>cin) << 2;
  const dyStep = (<usize>cout) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const dyRow = dy + ((<usize>(((b * h + oy) * w) * cout + co)) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const xRow = xp + ((<usize>((b * hp + oy + ky) * wp * cin)) << 2);
        const fRow = dFilter + ((<usize>(ky * run * cout + co)) << 2);
        let j = 0;
        // (ky, kx, ci) pairs j, j + 1 share each dy load (eight accumulators).
        for (; j + 2 <= run; j += 2) {
          const at = fRow + ((<usize>(j * cout)) << 2);
          const bt = at + dyStep;
          let a0 = v128.load(at);
          let a1 = v128.load(at, 16);
          let a2 = v128.load(at, 32);
          let a3 = v128.load(at, 48);
          let c0 = v128.load(bt);
          let c1 = v128.load(bt, 16);
          let c2 = v128.load(bt, 32);
          let c3 = v128.load(bt, 48);
          let xi = xRow + ((<usize>j) << 2);
          let d = dyRow;
          for (let ox = 0; ox < w; ox++) {
            const s = v128.load32_splat(xi);
            const t = v128.load32_splat(xi, 4);
            const d0 = v128.load(d);
            const d1 = v128.load(d, 16);
            const d2 = v128.load(d, 32);
            const d3 = v128.load(d, 48);
            a0 = f32x4.add(a0, f32x4.mul(s, d0));
            a1 = f32x4.add(a1, f32x4.mul(s, d1));
            a2 = f32x4.add(a2, f32x4.mul(s, d2));
            a3 = f32x4.add(a3, f32x4.mul(s, d3));
            c0 = f32x4.add(c0, f32x4.mul(t, d0));
            c1 = f32x4.add(c1, f32x4.mul(t, d1));
            c2 = f32x4.add(c2, f32x4.mul(t, d2));
            c3 = f32x4.add(c3, f32x4.mul(t, d3));
            xi += xStep;
            d += dyStep;
          }
          v128.store(at, a0);
          v128.store(at, a1, 16);
          v128.store(at, a2, 32);
          v128.store(at, a3, 48);
          v128.store(bt, c0);
          v128.store(bt, c1, 16);
          v128.store(bt, c2, 32);
          v128.store(bt, c3, 48);
        }
        for (; j < run; j++) {
          const at = fRow + ((<usize>(j * cout)) << 2);
          let a0 = v128.load(at);
          let a1 = v128.load(at, 16);
          let a2 = v128.load(at, 32);
          let a3 = v128.load(at, 48);
          let xi = xRow + ((<usize>j) << 2);
          let d = dyRow;
          for (let ox = 0; ox < w; ox++) {
            const s = v128.load32_splat(xi);
            a0 = f32x4.add(a0, f32x4.mul(s, v128.load(d)));
            a1 = f32x4.add(a1, f32x4.mul(s, v128.load(d, 16)));
            a2 = f32x4.add(a2, f32x4.mul(s, v128.load(d, 32)));
            a3 = f32x4.add(a3, f32x4.mul(s, v128.load(d, 48)));
            xi += xStep;
            d += dyStep;
          }
          v128.store(at, a0);
          v128.store(at, a1, 16);
          v128.store(at, a2, 32);
          v128.store(at, a3, 48);
        }
      }
    }
  }
}

function filterGrad8(
  xp: usize,
  dy: usize,
  dFilter: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const xStep = (<usize>cin) << 2;
  const dyStep = (<usize>cout) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const dyRow = dy + ((<usize>(((b * h + oy) * w) * cout + co)) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const xRow = xp + ((<usize>((b * hp + oy + ky) * wp * cin)) << 2);
        const fRow = dFilter + ((<usize>(ky * run * cout + co)) << 2);
        let j = 0;
        // Four (ky, kx, ci) at a time share each dy load (eight accumulators).
        for (; j + 4 <= run; j += 4) {
          const at = fRow + ((<usize>(j * cout)) << 2);
          const bt = at + dyStep;
          const ct = bt + dyStep;
          const et = ct + dyStep;
          let a0 = v128.load(at);
          let a1 = v128.load(at, 16);
          let b0 = v128.load(bt);
          let b1 = v128.load(bt, 16);
          let c0 = v128.load(ct);
          let c1 = v128.load(ct, 16);
          let e0 = v128.load(et);
          let e1 = v128.load(et, 16);
          let xi = xRow + ((<usize>j) << 2);
          let d = dyRow;
          for (let ox = 0; ox < w; ox++) {
            const d0 = v128.load(d);
            const d1 = v128.load(d, 16);
            const s = v128.load32_splat(xi);
            a0 = f32x4.add(a0, f32x4.mul(s, d0));
            a1 = f32x4.add(a1, f32x4.mul(s, d1));
            const t = v128.load32_splat(xi, 4);
            b0 = f32x4.add(b0, f32x4.mul(t, d0));
            b1 = f32x4.add(b1, f32x4.mul(t, d1));
            const u = v128.load32_splat(xi, 8);
            c0 = f32x4.add(c0, f32x4.mul(u, d0));
            c1 = f32x4.add(c1, f32x4.mul(u, d1));
            const v = v128.load32_splat(xi, 12);
            e0 = f32x4.add(e0, f32x4.mul(v, d0));
            e1 = f32x4.add(e1, f32x4.mul(v, d1));
            xi += xStep;
            d += dyStep;
          }
          v128.store(at, a0);
          v128.store(at, a1, 16);
          v128.store(bt, b0);
          v128.store(bt, b1, 16);
          v128.store(ct, c0);
          v128.store(ct, c1, 16);
          v128.store(et, e0);
          v128.store(et, e1, 16);
        }
        for (; j < run; j++) {
          const at = fRow + ((<usize>(j * cout)) << 2);
          let a0 = v128.load(at);
          let a1 = v128.load(at, 16);
          let xi = xRow + ((<usize>j) << 2);
          let d = dyRow;
          for (let ox = 0; ox < w; ox++) {
            const s = v128.load32_splat(xi);
            a0 = f32x4.add(a0, f32x4.mul(s, v128.load(d)));
            a1 = f32x4.add(a1, f32x4.mul(s, v128.load(d, 16)));
            xi += xStep;
            d += dyStep;
          }
          v128.store(at, a0);
          v128.store(at, a1, 16);
        }
      }
    }
  }
}

function filterGrad4(
  xp: usize,
  dy: usize,
  dFilter: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const run = kw * cin;
  const xStep = (<usize>cin) << 2;
  const dyStep = (<usize>cout) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const dyRow = dy + ((<usize>(((b * h + oy) * w) * cout + co)) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const xRow = xp + ((<usize>((b * hp + oy + ky) * wp * cin)) << 2);
        const fRow = dFilter + ((<usize>(ky * run * cout + co)) << 2);
        let j = 0;
        // Four (ky, kx, ci) at a time share each dy load.
        for (; j + 4 <= run; j += 4) {
          const at = fRow + ((<usize>(j * cout)) << 2);
          const bt = at + dyStep;
          const ct = bt + dyStep;
          const et = ct + dyStep;
          let a0 = v128.load(at);
          let b0 = v128.load(bt);
          let c0 = v128.load(ct);
          let e0 = v128.load(et);
          let xi = xRow + ((<usize>j) << 2);
          let d = dyRow;
          for (let ox = 0; ox < w; ox++) {
            const d0 = v128.load(d);
            a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xi), d0));
            b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(xi, 4), d0));
            c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(xi, 8), d0));
            e0 = f32x4.add(e0, f32x4.mul(v128.load32_splat(xi, 12), d0));
            xi += xStep;
            d += dyStep;
          }
          v128.store(at, a0);
          v128.store(bt, b0);
          v128.store(ct, c0);
          v128.store(et, e0);
        }
        for (; j < run; j++) {
          const at = fRow + ((<usize>(j * cout)) << 2);
          let a0 = v128.load(at);
          let xi = xRow + ((<usize>j) << 2);
          let d = dyRow;
          for (let ox = 0; ox < w; ox++) {
            a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xi), v128.load(d)));
            xi += xStep;
            d += dyStep;
          }
          v128.store(at, a0);
        }
      }
    }
  }
}

function filterGrad1(
  xp: usize,
  dy: usize,
  dFilter: usize,
  n: i32,
  h: i32,
  w: i32,
  cin: i32,
  cout: i32,
  kh: i32,
  kw: i32,
  co: i32,
): void {
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const xStep = (<usize>cin) << 2;
  const dyStep = (<usize>cout) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < h; oy++) {
      const dyRow = dy + ((<usize>(((b * h + oy) * w) * cout + co)) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const xRow = xp + ((<usize>((b * hp + oy + ky) * wp * cin)) << 2);
        for (let kx = 0; kx < kw; kx++) {
          for (let ci = 0; ci < cin; ci++) {
            const at = dFilter + ((<usize>(((ky * kw + kx) * cin + ci) * cout + co)) << 2);
            let a = load<f32>(at);
            let xi = xRow + ((<usize>(kx * cin + ci)) << 2);
            let d = dyRow;
            for (let ox = 0; ox < w; ox++) {
              a += load<f32>(xi) * load<f32>(d);
              xi += xStep;
              d += dyStep;
            }
            store<f32>(at, a);
          }
        }
      }
    }
  }
}
