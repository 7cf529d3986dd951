/**
 * The depth thresholds CREMBO tries: `count` points of a quantile grid over the distinct belief values D (sorted
 * ascending): D[round(k·(|D| − 1)/(count − 1))] for k = 0 … count − 1, duplicates dropped (fewer than `count` when
 * D is short). The official code walks every distinct value (in steps δ of 20–250 for DNNs); a grid of a few
 * quantiles keeps the number of trainings bounded by `count` whatever the data set's size.
 */
export function depthGrid(beliefs: Float32Array, count: number): number[] {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`a depth grid needs 2 or more points, got ${count}`);
  const distinct = [...new Set(beliefs)].sort((a, b) => a - b);
  if (distinct.length === 0) return [];
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const v = distinct[Math.round((k * (distinct.length - 1)) / (count - 1))] as number;
    if (out.at(-1) !== v) out.push(v);
  }
  return out;
}
