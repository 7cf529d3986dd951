import type { DatasetShape } from './dataset-spec.ts';
import type { KeepFloat } from './keep-float.ts';
import type { ModelSpec } from './model-spec.ts';
import { modelSmhPool } from './model-tensors.ts';
import { smhMinFraction } from './smh-pool.ts';

/**
 * Why `model.smh` cannot be built on inputs of `data` (a fraction too small to give the pool a column), or null.
 * Reported at `<model>.smh.fraction`.
 */
export function smhFractionIssue(model: ModelSpec, data: DatasetShape): string | null {
  const pool = modelSmhPool(model, data);
  if (!pool || pool.k >= 1) return null;
  const min = smhMinFraction(pool);
  return (
    `fraction ${model.smh?.fraction} gives the pool no columns: k = ⌊0.5·fraction·N/m⌋ = 0 for the model's ` +
    `N = ${pool.poolSize} kernel values (m = ${pool.m}); it must be at least 2m/N = ${Number(min.toPrecision(3))}`
  );
}

/**
 * Why a quantization's `keepFloat` rule means nothing for an SMH student, or null. Its kernels all live in one
 * shared pool, so rules that keep the first and last layers (or tensors) float cannot keep single kernels float:
 * `first-last-layers` would keep the whole pool float, `first-last` the pool's two factors.
 */
export function smhKeepFloatIssue(keepFloat: KeepFloat | undefined): string | null {
  if (keepFloat !== 'first-last-layers' && keepFloat !== 'first-last') return null;
  return (
    `'${keepFloat}' cannot keep single layers float in a student with model.smh: every kernel is a slice of one ` +
    'shared pool; use all-but-kernels (the pool quantized), none, or { layers: [...] }'
  );
}
