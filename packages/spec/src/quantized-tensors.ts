import { DEFAULT_KEEP_FLOAT, type KeepFloat } from './keep-float.ts';
import type { TensorInfo } from './model-tensors.ts';
import { SMH_POOL_LAYER } from './smh-pool.ts';

/** `dense_1/kernel` → `dense_1`. */
export function tensorLayer(t: Pick<TensorInfo, 'name'>): string {
  const slash = t.name.indexOf('/');
  return slash < 0 ? t.name : t.name.slice(0, slash);
}

/**
 * A weight matrix: a dense or conv kernel (`<layer>/kernel`), or one of SMH's two factor matrices
 * (`smh_pool_1/left`, `smh_pool_1/right`), which store every kernel of an SMH model. These are what
 * `all-but-kernels` quantizes and what weight decay on kernels decays.
 */
export function isKernel(t: Pick<TensorInfo, 'name'>): boolean {
  return t.name.endsWith('/kernel') || t.name === `${SMH_POOL_LAYER}/left` || t.name === `${SMH_POOL_LAYER}/right`;
}

/**
 * Indices (positions in `tensors`, i.e. in `model.weights`) of the tensors that a quantization with `keepFloat`
 * quantizes. The one place that decides it: the planned sizes (packages/spec) and the packed artifact
 * (packages/ml) both call it. Non-trainable tensors (moving statistics) are never quantized. See
 * {@link KeepFloat} for the rules.
 */
export function quantizedTensorIndices(
  tensors: readonly TensorInfo[],
  keepFloat: KeepFloat = DEFAULT_KEEP_FLOAT,
): Set<number> {
  const trainable = tensors.flatMap((t, i) => (t.trainable ? [i] : []));
  if (keepFloat === 'none') return new Set(trainable);
  if (keepFloat === 'first-last') return new Set(trainable.slice(1, -1));
  const kernels = trainable.filter((i) => isKernel(tensors[i] as TensorInfo));
  const floatLayers = new Set<string>();
  if (keepFloat === 'first-last-layers') {
    const first = kernels.at(0);
    const last = kernels.at(-1);
    for (const i of [first, last]) if (i !== undefined) floatLayers.add(tensorLayer(tensors[i] as TensorInfo));
  } else if (typeof keepFloat === 'object') {
    for (const l of keepFloat.layers) floatLayers.add(l);
  }
  return new Set(kernels.filter((i) => !floatLayers.has(tensorLayer(tensors[i] as TensorInfo))));
}
