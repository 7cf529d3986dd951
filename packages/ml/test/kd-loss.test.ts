import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, kdLoss } from '../src/index.ts';
import { fusedKdLoss } from '../src/train/kd-loss.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const student = [
  [1.2, -0.3, 0.5],
  [0.1, 2.0, -1.0],
];
const teacher = [
  [2.5, 0.0, -0.5],
  [-0.2, 1.0, 0.7],
];
const labels = [0, 2];

/** The KD loss formula in float64: (1−α)·CE + α·T²·KL(softmax(t/T) ‖ softmax(s/T)), batch mean. */
function reference(s: number[][], t: number[][], y: number[], T: number, alpha: number): number {
  const logSoftmax = (z: number[]) => {
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    return z.map((v) => v - lse);
  };
  let total = 0;
  s.forEach((row, i) => {
    const ce = -(logSoftmax(row)[y[i] as number] as number);
    const ls = logSoftmax(row.map((v) => v / T));
    const lt = logSoftmax((t[i] as number[]).map((v) => v / T));
    const kl = lt.reduce((a, v, c) => a + Math.exp(v) * (v - (ls[c] as number)), 0);
    total += (1 - alpha) * ce + alpha * T * T * kl;
  });
  return total / s.length;
}

const loss = (s: number[][], T: number, alpha: number) =>
  tf.tidy(
    () =>
      kdLoss(tf.tensor2d(s), tf.tensor1d(labels, 'int32'), tf.tensor2d(teacher), {
        temperature: T,
        alpha,
      }).dataSync()[0] as number,
  );

describe('kdLoss', () => {
  it('equals (1−α)·CE + α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) on fixed logits', () => {
    for (const [T, alpha] of [
      [2, 0.7],
      [1, 0.5],
      [4, 1],
      [3, 0.2],
    ] as const) {
      expect(loss(student, T, alpha)).toBeCloseTo(reference(student, teacher, labels, T, alpha), 5);
    }
  });

  it('is plain cross-entropy when α = 0 or without a teacher', () => {
    const ce = tf.tidy(() => crossEntropy(tf.tensor2d(student), tf.tensor1d(labels, 'int32')).dataSync()[0] as number);
    expect(ce).toBeCloseTo(reference(student, teacher, labels, 1, 0), 6);
    expect(loss(student, 2, 0)).toBeCloseTo(ce, 6);
    const noTeacher = tf.tidy(
      () =>
        kdLoss(tf.tensor2d(student), tf.tensor1d(labels, 'int32'), null, {
          temperature: 2,
          alpha: 0.7,
        }).dataSync()[0] as number,
    );
    expect(noTeacher).toBeCloseTo(ce, 6);
  });

  it('is minimal in its soft term when the student copies the teacher', () => {
    // KL(p ‖ p) = 0, so with α = 1 the loss is 0 for student = teacher.
    expect(loss(teacher, 2, 1)).toBeCloseTo(0, 6);
  });

  it('has the gradient that central finite differences give', () => {
    const T = 2;
    const alpha = 0.7;
    const grad = tf.tidy(() =>
      Array.from(
        tf
          .grad((s: tf.Tensor) =>
            kdLoss(s, tf.tensor1d(labels, 'int32'), tf.tensor2d(teacher), { temperature: T, alpha }),
          )(tf.tensor2d(student))
          .dataSync(),
      ),
    );
    const h = 1e-3;
    student.flat().forEach((_, k) => {
      const at = (delta: number) =>
        reference(
          student.map((row, i) => row.map((v, j) => (i * 3 + j === k ? v + delta : v))),
          teacher,
          labels,
          T,
          alpha,
        );
      // Finite differences of the float64 reference; the tfjs gradient is float32.
      expect(grad[k]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 5);
    });
  });
});

describe('the fused KD loss kernel', () => {
  const floatLabels = () => tf.tensor1d(Float32Array.from(labels));

  it('equals the formula, and its gradient the one central finite differences give, for several T and α', () => {
    for (const [T, alpha] of [
      [2, 0.7],
      [1, 0],
      [4, 1],
    ] as const) {
      const { value, grad } = tf.tidy(() => {
        let hits: tf.Tensor | null = null;
        const f = (s: tf.Tensor) => {
          const out = fusedKdLoss(s, floatLabels(), tf.tensor2d(teacher), { temperature: T, alpha });
          if (!out) throw new Error('no fused kernel on wasm');
          hits?.dispose();
          hits = out.correct;
          return out.loss;
        };
        const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(student));
        (hits as unknown as tf.Tensor | null)?.dispose();
        return { value: value.dataSync()[0] as number, grad: Array.from(grad.dataSync()) };
      });
      expect(value).toBeCloseTo(reference(student, teacher, labels, T, alpha), 5);
      const h = 1e-3;
      student.flat().forEach((_, k) => {
        const at = (delta: number) =>
          reference(
            student.map((row, i) => row.map((v, j) => (i * 3 + j === k ? v + delta : v))),
            teacher,
            labels,
            T,
            alpha,
          );
        expect(grad[k]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 5);
      });
    }
  });

  it('counts the rows whose first maximum is their label, as argMax does', () => {
    const logits = [
      [1, 3, 3],
      [0.5, 0.1, 0.2],
      [2, 2, 2],
    ];
    const expected = tf.tidy(
      () =>
        tf
          .tensor2d(logits)
          .argMax(-1)
          .equal(tf.tensor1d([1, 0, 1], 'int32'))
          .sum()
          .dataSync()[0],
    );
    const counted = tf.tidy(() => {
      const out = fusedKdLoss(tf.tensor2d(logits), tf.tensor1d([1, 0, 1]), null, { temperature: 2, alpha: 0.7 });
      return out?.correct.dataSync()[0];
    });
    expect(counted).toBe(expected);
    expect(counted).toBe(2);
  });

  it('is plain cross-entropy without a teacher', () => {
    const value = tf.tidy(() => {
      const out = fusedKdLoss(tf.tensor2d(student), floatLabels(), null, { temperature: 2, alpha: 0.7 });
      out?.correct.dispose();
      return out?.loss.dataSync()[0];
    });
    expect(value).toBeCloseTo(reference(student, teacher, labels, 1, 0), 6);
  });
});
