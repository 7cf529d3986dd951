import type { CremboLoss } from '@distillery/spec';

/**
 * The allowed labels A_i(d) = {c : p_ic ≥ d} of every row as training targets (n × classes, row-major): 1 for an
 * allowed label (`bce`) or its belief p_ic (`soft`), 0 otherwise. A row with no allowed label has all zeros.
 */
export function allowedLabelTargets(beliefs: Float32Array, depth: number, loss: CremboLoss): Float32Array {
  const out = new Float32Array(beliefs.length);
  for (let j = 0; j < beliefs.length; j++) {
    const p = beliefs[j] as number;
    if (p >= depth) out[j] = loss === 'soft' ? p : 1;
  }
  return out;
}

/** The allowed labels of row i at depth d, ascending. */
export function allowedLabels(beliefs: Float32Array, classes: number, row: number, depth: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < classes; c++) if ((beliefs[row * classes + c] as number) >= depth) out.push(c);
  return out;
}

/** A student's consistency at a depth: see {@link checkConsistency}. */
export interface Consistency {
  consistent: boolean;
  /** Rows with at least one allowed label (the others are ignored). */
  rows: number;
  /** Of those, rows whose prediction is not an allowed label. */
  violations: number;
}

/**
 * Whether a student's predictions (class per row, in the beliefs' row order) are consistent at `depth`: every
 * row's prediction is one of its allowed labels. Rows with no allowed label are ignored — the "δ-insensitive"
 * depth of the paper — rather than making every depth above their largest belief inconsistent.
 */
export function checkConsistency(
  predictions: ArrayLike<number>,
  beliefs: Float32Array,
  classes: number,
  depth: number,
): Consistency {
  const n = beliefs.length / classes;
  if (predictions.length !== n) throw new RangeError(`${predictions.length} predictions for ${n} rows`);
  let rows = 0;
  let violations = 0;
  for (let i = 0; i < n; i++) {
    let any = false;
    for (let c = 0; c < classes; c++) any ||= (beliefs[i * classes + c] as number) >= depth;
    if (!any) continue;
    rows++;
    if ((beliefs[i * classes + (predictions[i] as number)] as number) < depth) violations++;
  }
  return { consistent: violations === 0, rows, violations };
}

/** Class of each row's first largest logit (argMax's choice), for logits n × classes. */
export function argMaxRows(logits: Float32Array, classes: number): Int32Array {
  const n = logits.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((logits[i * classes + c] as number) > (logits[i * classes + best] as number)) best = c;
    out[i] = best;
  }
  return out;
}
