import { prunedCount } from '@distillery/spec';

/**
 * Global magnitude pruning on layer-normalized magnitudes: over all the given tensors together, the
 * `prunedCount(N, sparsity)` values with the smallest |w| / ‖W‖₂ (W the tensor holding w) are pruned. Values
 * already pruned (`previous[t][i] === 0`) are pruned first, whatever their magnitude, so supports are nested
 * across rounds; ties break by tensor, then index, so the mask is deterministic. Returns one mask per tensor
 * (1 = kept, 0 = pruned).
 */
export function magnitudeMasks(
  weights: readonly Float32Array[],
  sparsity: number,
  previous: readonly Uint8Array[] | null = null,
): Uint8Array[] {
  const total = weights.reduce((n, w) => n + w.length, 0);
  const prune = prunedCount(total, sparsity);
  const score = new Float64Array(total);
  const before = new Uint8Array(total);
  const tensorOf = new Int32Array(total);
  let at = 0;
  weights.forEach((w, t) => {
    let sq = 0;
    for (let i = 0; i < w.length; i++) sq += (w[i] as number) ** 2;
    const norm = Math.sqrt(sq);
    const mask = previous?.[t];
    for (let i = 0; i < w.length; i++) {
      score[at + i] = norm > 0 ? Math.abs(w[i] as number) / norm : 0;
      before[at + i] = mask && mask[i] === 0 ? 1 : 0;
      tensorOf[at + i] = t;
    }
    at += w.length;
  });
  const order = Array.from({ length: total }, (_, i) => i);
  order.sort(
    (a, b) => (before[b] as number) - (before[a] as number) || (score[a] as number) - (score[b] as number) || a - b,
  );
  const flat = new Uint8Array(total).fill(1);
  for (let k = 0; k < prune; k++) flat[order[k] as number] = 0;
  // A pruned value stays pruned even when the target would keep more than were pruned before.
  for (let i = 0; i < total; i++) if (before[i]) flat[i] = 0;
  const out: Uint8Array[] = [];
  at = 0;
  for (const w of weights) {
    out.push(flat.slice(at, at + w.length));
    at += w.length;
  }
  return out;
}

/** Nonzeros (kept values) of a mask. */
export function maskCount(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] as number;
  return n;
}
