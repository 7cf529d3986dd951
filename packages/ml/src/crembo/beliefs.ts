/**
 * Beliefs below this are 0 and above 1 − this are 1, as the CREMBO library (robust_compression.py) rounds the
 * teacher's probabilities before listing depths: the grid's top threshold then means "the teacher is sure" rather
 * than a probability no row reaches, and the bottom one allows every label.
 */
export const BELIEF_ROUNDING = 0.01;

/**
 * The teacher's beliefs p_ic: softmax of its logits (n × classes, row-major) at temperature 1, rounded as
 * {@link BELIEF_ROUNDING} says. The allowed labels and the threshold grid are both read off these values (the
 * official code rounds only its list of depths and compares raw probabilities with them; rounding both keeps
 * every grid threshold one that some row's belief equals).
 */
export function teacherBeliefs(logits: Float32Array, classes: number): Float32Array {
  const n = logits.length / classes;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) m = Math.max(m, logits[row + c] as number);
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp((logits[row + c] as number) - m);
    for (let c = 0; c < classes; c++) {
      const p = Math.exp((logits[row + c] as number) - m) / z;
      out[row + c] = p < BELIEF_ROUNDING ? 0 : p > 1 - BELIEF_ROUNDING ? 1 : p;
    }
  }
  return out;
}
