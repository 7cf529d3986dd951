import type { OptimizerSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Optimizer } from '../src/train/optimizer.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

/** Three steps of the optimizer on two variables (the first decayed), as float64 formulas. */
function reference(spec: OptimizerSpec, w0: number[][], grads: number[][][], lrs: number[]): number[][] {
  const w = w0.map((v) => [...v]);
  const m = w0.map((v) => v.map(() => 0));
  const s = w0.map((v) => v.map(() => 0));
  grads.forEach((step, t) => {
    const lr = lrs[t] as number;
    step.forEach((g, i) => {
      (w[i] as number[]).forEach((wj, j) => {
        const gj = (g[j] as number) + (i === 0 ? (spec.weightDecay ?? 0) * wj : 0);
        const mi = m[i] as number[];
        const si = s[i] as number[];
        if (spec.name === 'adam') {
          mi[j] = 0.9 * (mi[j] as number) + 0.1 * gj;
          si[j] = 0.999 * (si[j] as number) + 0.001 * gj * gj;
          const mHat = (mi[j] as number) / (1 - 0.9 ** (t + 1));
          const sHat = (si[j] as number) / (1 - 0.999 ** (t + 1));
          (w[i] as number[])[j] = wj - (lr * mHat) / (Math.sqrt(sHat) + 1e-8);
        } else if ((spec.momentum ?? 0) > 0) {
          mi[j] = (spec.momentum as number) * (mi[j] as number) + gj;
          (w[i] as number[])[j] = wj - lr * (mi[j] as number);
        } else {
          (w[i] as number[])[j] = wj - lr * gj;
        }
      });
    });
  });
  return w;
}

const w0 = [
  [0.5, -1.25, 2],
  [0.1, 0.3],
];
const grads = [
  [
    [0.2, -0.4, 1.5],
    [-0.3, 0.05],
  ],
  [
    [-0.1, 0.7, 0.2],
    [0.4, -0.2],
  ],
  [
    [0.3, 0.3, -0.6],
    [0.1, 0.9],
  ],
];
const lrs = [0.1, 0.05, 0.02];

describe('Optimizer (fused update kernels)', () => {
  const specs: OptimizerSpec[] = [
    { name: 'sgd', lr: 0.1 },
    { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    { name: 'adam', lr: 0.1, weightDecay: 0.01 },
  ];
  for (const backend of ['wasm', 'cpu']) {
    for (const spec of specs) {
      it(`follows the update formulas on ${backend} for ${JSON.stringify(spec)}, leaking nothing`, async () => {
        await tf.setBackend(backend);
        const variables = w0.map((v) => tf.variable(tf.tensor1d(v)));
        const before = tf.memory().numTensors;
        const optimizer = new Optimizer(spec, variables, [true, false]);
        for (const [t, step] of grads.entries()) {
          const g = step.map((v) => tf.tensor1d(v));
          optimizer.step(g, lrs[t] as number);
          tf.dispose(g);
        }
        const got = variables.map((v) => Array.from(v.dataSync()));
        optimizer.dispose();
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(variables);
        await useWasm();
        const want = reference(spec, w0, grads, lrs);
        got.forEach((v, i) => {
          v.forEach((x, j) => {
            expect(x).toBeCloseTo((want[i] as number[])[j] as number, 5);
          });
        });
      });
    }
  }
});

describe('Optimizer on variables larger than the fused kernel takes', () => {
  for (const spec of [
    { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    { name: 'adam', lr: 0.1, weightDecay: 0.01 },
  ] as OptimizerSpec[]) {
    it(`updates them with the backend's ops to the same formulas (${spec.name})`, () => {
      const n = Optimizer.FUSED_MAX_SIZE + 8;
      const big = Array.from({ length: n }, (_, j) => Math.sin(j));
      const bigGrads = grads.map((step, t) => [
        Array.from({ length: n }, (_, j) => Math.cos(j * (t + 1))),
        step[1] as number[],
      ]);
      const variables = [tf.variable(tf.tensor1d(big)), tf.variable(tf.tensor1d(w0[1] as number[]))];
      const optimizer = new Optimizer(spec, variables, [true, false]);
      for (const [t, step] of bigGrads.entries()) {
        const g = step.map((v) => tf.tensor1d(v));
        optimizer.step(g, lrs[t] as number);
        tf.dispose(g);
      }
      const got = variables.map((v) => Array.from(v.dataSync()));
      optimizer.dispose();
      tf.dispose(variables);
      const want = reference(spec, [big, w0[1] as number[]], bigGrads, lrs);
      for (const j of [0, 1, 777, n - 1]) expect(got[0]?.[j]).toBeCloseTo(want[0]?.[j] as number, 5);
      got[1]?.forEach((x, j) => {
        expect(x).toBeCloseTo(want[1]?.[j] as number, 5);
      });
    });
  }
});
