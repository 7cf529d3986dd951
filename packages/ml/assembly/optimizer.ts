// Optimizer updates over flat float32 buffers, in double precision per value exactly as the JavaScript kernels
// of packages/ml/src/train/optimizer.ts compute them (same operations in the same order, rounded to float32
// where they store), so the two paths give the same bits from the same gradients. Two values per f64x2 step
// (each lane computes what the scalar code computes), then a scalar tail. `decay` is the L2 weight decay added
// to the gradient (0 for tensors that do not decay).

@inline
function widen(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

@inline
function narrow(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** w ← w − lr·(g + decay·w). */
export function sgdStep(w: usize, g: usize, n: i32, lr: f64, decay: f64): void {
  const vlr = f64x2.splat(lr);
  const vd = f64x2.splat(decay);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i << 2;
    const wi = widen(w + off);
    narrow(w + off, f64x2.sub(wi, f64x2.mul(vlr, f64x2.add(widen(g + off), f64x2.mul(vd, wi)))));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const wi = <f64>load<f32>(w + off);
    store<f32>(w + off, <f32>(wi - lr * (<f64>load<f32>(g + off) + decay * wi)));
  }
}

/** v ← μ·v + (g + decay·w); w ← w − lr·v (PyTorch's form). */
export function momentumStep(w: usize, g: usize, buf: usize, n: i32, lr: f64, decay: f64, momentum: f64): void {
  const vlr = f64x2.splat(lr);
  const vd = f64x2.splat(decay);
  const vm = f64x2.splat(momentum);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i << 2;
    const wi = widen(w + off);
    const v = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(vm, widen(buf + off)), f64x2.add(widen(g + off), f64x2.mul(vd, wi))),
    );
    v128.store64_lane(buf + off, v, 0);
    narrow(w + off, f64x2.sub(wi, f64x2.mul(vlr, f64x2.promote_low_f32x4(v))));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const wi = <f64>load<f32>(w + off);
    const v = <f32>(momentum * <f64>load<f32>(buf + off) + (<f64>load<f32>(g + off) + decay * wi));
    store<f32>(buf + off, v);
    store<f32>(w + off, <f32>(wi - lr * <f64>v));
  }
}

/** Adam with bias corrections c1 = 1 − β1^t, c2 = 1 − β2^t. */
export function adamStep(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f64,
  decay: f64,
  beta1: f64,
  beta2: f64,
  epsilon: f64,
  c1: f64,
  c2: f64,
): void {
  const vlr = f64x2.splat(lr);
  const vd = f64x2.splat(decay);
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const one1 = f64x2.splat(1 - beta1);
  const one2 = f64x2.splat(1 - beta2);
  const ve = f64x2.splat(epsilon);
  const vc1 = f64x2.splat(c1);
  const vc2 = f64x2.splat(c2);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i << 2;
    const wi = widen(w + off);
    const gi = f64x2.add(widen(g + off), f64x2.mul(vd, wi));
    const mi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b1, widen(m + off)), f64x2.mul(one1, gi)));
    const vi = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(b2, widen(v + off)), f64x2.mul(f64x2.mul(one2, gi), gi)),
    );
    v128.store64_lane(m + off, mi, 0);
    v128.store64_lane(v + off, vi, 0);
    const step = f64x2.div(
      f64x2.mul(vlr, f64x2.div(f64x2.promote_low_f32x4(mi), vc1)),
      f64x2.add(f64x2.sqrt(f64x2.div(f64x2.promote_low_f32x4(vi), vc2)), ve),
    );
    narrow(w + off, f64x2.sub(wi, step));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const wi = <f64>load<f32>(w + off);
    const gi = <f64>load<f32>(g + off) + decay * wi;
    const mi = <f32>(beta1 * <f64>load<f32>(m + off) + (1 - beta1) * gi);
    const vi = <f32>(beta2 * <f64>load<f32>(v + off) + (1 - beta2) * gi * gi);
    store<f32>(m + off, mi);
    store<f32>(v + off, vi);
    store<f32>(w + off, <f32>(wi - (lr * (<f64>mi / c1)) / (Math.sqrt(<f64>vi / c2) + epsilon)));
  }
}
