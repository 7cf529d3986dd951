/**
 * Real-valued features scaled into [0, 1] like pixels (÷ 255): per feature, `(v − min) / (max − min)` with min
 * and max taken over the training split, then applied to both splits (test values outside the training range
 * fall outside [0, 1]). A feature constant over the training split becomes 0. Features are the innermost axis:
 * `values[row * features + f]`.
 */
export function scaleFeatures(
  train: ArrayLike<number>,
  test: ArrayLike<number>,
  features: number,
): { train: Float32Array; test: Float32Array } {
  const min = new Float64Array(features).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(features).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < train.length; i++) {
    const f = i % features;
    const v = train[i] as number;
    if (v < (min[f] as number)) min[f] = v;
    if (v > (max[f] as number)) max[f] = v;
  }
  const scale = (values: ArrayLike<number>) => {
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const f = i % features;
      const range = (max[f] as number) - (min[f] as number);
      out[i] = range > 0 ? ((values[i] as number) - (min[f] as number)) / range : 0;
    }
    return out;
  };
  return { train: scale(train), test: scale(test) };
}
