// Optimizer updates over flat float32 buffers, in double precision per value exactly as the JavaScript kernels
// of packages/ml/src/train/optimizer.ts compute them (same operations in the same order, rounded to float32
// where they store), so the two paths give the same bits from the same gradients. `decay` is the L2 weight
// decay added to the gradient (0 for tensors that do not decay).

/** w ← w − lr·(g + decay·w). */
export function sgdStep(w: usize, g: usize, n: i32, lr: f64, decay: f64): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const wi = <f64>load<f32>(w + off);
    store<f32>(w + off, <f32>(wi - lr * (<f64>load<f32>(g + off) + decay * wi)));
  }
}

/** v ← μ·v + (g + decay·w); w ← w − lr·v (PyTorch's form). */
export function momentumStep(w: usize, g: usize, buf: usize, n: i32, lr: f64, decay: f64, momentum: f64): void {
  for (let i = 0; i < n; i++) {
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
  for (let i = 0; i < n; i++) {
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
