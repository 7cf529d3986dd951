import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allowedLabels,
  allowedLabelsLoss,
  allowedLabelTargets,
  argMaxRows,
  type CremboTraining,
  checkConsistency,
  cremboPlan,
  cremboSelection,
  depthGrid,
  teacherBeliefs,
} from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

/*
 * A hand-made teacher over 3 rows and 3 classes: logits ln p, so its softmax is p. Rounded beliefs (below 0.01
 * → 0, above 0.99 → 1): row 0 [0.7, 0.2, 0.1], row 1 [0.495, 0.5, 0] (0.005 → 0), row 2 [1, 0, 0] (0.995 → 1,
 * 0.004 and 0.001 → 0). Distinct values 0, 0.1, 0.2, 0.495, 0.5, 0.7, 1; a 4-point quantile grid takes positions
 * round(k·6/3) = 0, 2, 4, 6: thresholds 0, 0.2, 0.5, 1.
 */
const probabilities = [
  [0.7, 0.2, 0.1],
  [0.495, 0.5, 0.005],
  [0.995, 0.004, 0.001],
];
const logits = Float32Array.from(probabilities.flat().map(Math.log));
const beliefs = teacherBeliefs(logits, 3);

describe("CREMBO's allowed labels on a hand-made teacher", () => {
  it('reads the rounded softmax as beliefs', () => {
    const expected = [0.7, 0.2, 0.1, 0.495, 0.5, 0, 1, 0, 0];
    expect(Array.from(beliefs).map((b) => Math.round(b * 1e6) / 1e6)).toEqual(expected);
  });

  it('puts the depth thresholds on a quantile grid of the distinct beliefs', () => {
    expect(depthGrid(beliefs, 4).map((d) => Math.round(d * 1e6) / 1e6)).toEqual([0, 0.2, 0.5, 1]);
    // More points than distinct values: each value once.
    expect(depthGrid(beliefs, 13)).toHaveLength(7);
  });

  it('allows the labels whose belief reaches the depth, per row', () => {
    const [d0, d02, d05, d1] = depthGrid(beliefs, 4) as [number, number, number, number];
    const sets = (d: number) => [0, 1, 2].map((row) => allowedLabels(beliefs, 3, row, d));
    expect(sets(d0)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(sets(d02)).toEqual([[0, 1], [0, 1], [0]]);
    expect(sets(d05)).toEqual([[0], [1], [0]]);
    expect(sets(d1)).toEqual([[], [], [0]]);
    expect(Array.from(allowedLabelTargets(beliefs, d02, 'bce'))).toEqual([1, 1, 0, 1, 1, 0, 1, 0, 0]);
    const soft = Array.from(allowedLabelTargets(beliefs, d02, 'soft')).map((v) => Math.round(v * 1e6) / 1e6);
    expect(soft).toEqual([0.7, 0.2, 0, 0.495, 0.5, 0, 1, 0, 0]);
  });

  it('calls a student consistent when every row with an allowed label predicts one, ignoring rows with none', () => {
    const [, d02, d05, d1] = depthGrid(beliefs, 4) as [number, number, number, number];
    const predictions = [1, 0, 0];
    expect(checkConsistency(predictions, beliefs, 3, d02)).toEqual({ consistent: true, rows: 3, violations: 0 });
    // Row 0 allows {0} and predicts 1; row 1 allows {1} and predicts 0.
    expect(checkConsistency(predictions, beliefs, 3, d05)).toEqual({ consistent: false, rows: 3, violations: 2 });
    // Rows 0 and 1 allow nothing at depth 1: only row 2 counts.
    expect(checkConsistency(predictions, beliefs, 3, d1)).toEqual({ consistent: true, rows: 1, violations: 0 });
    expect(checkConsistency([0, 1, 0], beliefs, 3, d05)).toEqual({ consistent: true, rows: 3, violations: 0 });
  });

  it("takes a row's first largest logit as its prediction", () => {
    expect(Array.from(argMaxRows(Float32Array.from([1, 3, 3, -1, -2, -3]), 3))).toEqual([1, 0]);
  });
});

describe("CREMBO's multi-label loss", () => {
  it('is the mean binary cross-entropy of every logit against its target', () => {
    const x = [2, -1, 0, 3];
    const y = [1, 0, 0.5, 1];
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const expected =
      x
        .map((v, j) => -(y[j] as number) * Math.log(sigmoid(v)) - (1 - (y[j] as number)) * Math.log(1 - sigmoid(v)))
        .reduce((a, b) => a + b) / 4;
    const loss = tf.tidy(() => allowedLabelsLoss(tf.tensor2d(x, [2, 2]), tf.tensor2d(y, [2, 2])).dataSync()[0]);
    expect(loss).toBeCloseTo(expected, 6);
  });
});

/** Trainings at the indices `order` with consistency by `consistent` and the given validation accuracies. */
function run(size: number, consistent: (i: number) => boolean, val: (i: number) => number): CremboTraining[] {
  const done: CremboTraining[] = [];
  for (let plan = cremboPlan(size, done); plan.next !== null; plan = cremboPlan(size, done)) {
    const i = plan.next;
    done.push({ index: i, consistent: consistent(i), violations: consistent(i) ? 0 : 1, valAccuracy: val(i) });
  }
  return done;
}

describe("CREMBO's search", () => {
  it('binary-searches for the deepest consistent threshold, then trains every untrained one above it', () => {
    // Consistent up to #2 of 5: the search tries #2 (yes), #3 (no); the walk adds #4 (#3 is trained already).
    const trainings = run(
      5,
      (i) => i <= 2,
      (i) => [0.5, 0.6, 0.8, 0.85, 0.85][i] as number,
    );
    expect(trainings.map((t) => t.index)).toEqual([2, 3, 4]);
    expect(cremboPlan(5, trainings).memo).toBe(2);
    // #3 and #4 tie at 0.85: the lower threshold is kept.
    expect(cremboSelection(trainings, 2)?.index).toBe(3);
  });

  it('keeps MEMO’s student when nothing above it validates better, and ignores consistent ones below it', () => {
    // Consistent at {0, 1, 4}: #2 (no) → #0 (yes) → #1 (yes); MEMO = 1; the walk: #3, #4.
    const trainings = run(
      5,
      (i) => i !== 2 && i !== 3,
      (i) => [0.99, 0.7, 0.6, 0.65, 0.69][i] as number,
    );
    expect(trainings.map((t) => t.index)).toEqual([2, 0, 1, 3, 4]);
    const memo = cremboPlan(5, trainings).memo;
    expect(memo).toBe(1);
    // #0 validates best but lies below MEMO's threshold.
    expect(cremboSelection(trainings, memo)?.index).toBe(1);
  });

  it('walks the whole grid when no threshold is consistent', () => {
    const trainings = run(
      4,
      () => false,
      (i) => [0.1, 0.4, 0.3, 0.2][i] as number,
    );
    // Search: #1 (no) → #0 (no); walk: #2, #3.
    expect(trainings.map((t) => t.index)).toEqual([1, 0, 2, 3]);
    expect(cremboPlan(4, trainings).memo).toBeNull();
    expect(cremboSelection(trainings, null)?.index).toBe(1);
  });

  it('refuses trainings that are not the ones the search asks for', () => {
    expect(() => cremboPlan(5, [{ index: 3, consistent: true, violations: 0, valAccuracy: 1 }])).toThrow(
      /training 0 was at threshold #3, the search is at #2/,
    );
  });
});
