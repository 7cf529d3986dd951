import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bnStatisticsLoss, type StoredStatistics } from '../src/synthesize/bn-statistics-loss.ts';
import { inceptionLoss, totalVariation } from '../src/synthesize/inception-loss.ts';
import { TeacherProbe } from '../src/synthesize/teacher-probe.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

/*
 * Golden values: computed here in float64 from the formulas written out directly (no tfjs), and the gradients
 * from their hand derivation — ∂KL/∂μ̃ = (μ̃ − μ̂)/σ̃², ∂KL/∂σ̃² = 1/(2σ̃²) − (σ̂² + (μ̂ − μ̃)²)/(2σ̃⁴), and over M rows
 * ∂μ̃/∂x_i = 1/M, ∂σ̃²/∂x_i = 2(x_i − μ̃)/M — or central finite differences through a small teacher.
 */
const X = [
  [0.2, 0.9, -0.4],
  [1.1, -0.3, 0.5],
];
const MU = [0.1, 0.4, -0.2];
const VAR = [0.5, 1.5, 0.25];
const EPS = 1e-5;

function channel(x: number[][], c: number): number[] {
  return x.map((row) => row[c] as number);
}
function moments(v: number[]): { m: number; s2: number } {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { m, s2: v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length };
}
function directKl(x: number[][]): number {
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const { m, s2 } = moments(channel(x, c));
    const bv = s2 + EPS;
    const sv = (VAR[c] as number) + EPS;
    total += 0.5 * Math.log(bv / sv) + (sv + ((MU[c] as number) - m) ** 2) / (2 * bv) - 0.5;
  }
  return total;
}
function handGradient(x: number[][]): number[][] {
  const rows = x.length;
  return x.map((row, i) =>
    row.map((_, c) => {
      const { m, s2 } = moments(channel(x, c));
      const bv = s2 + EPS;
      const sv = (VAR[c] as number) + EPS;
      const dMean = (m - (MU[c] as number)) / bv;
      const dVar = 1 / (2 * bv) - (sv + ((MU[c] as number) - m) ** 2) / (2 * bv * bv);
      return dMean / rows + (dVar * 2 * (((x[i] as number[])[c] as number) - m)) / rows;
    }),
  );
}

const stored = (): StoredStatistics[] => [{ mean: tf.tensor1d(MU), variance: tf.tensor1d(VAR), epsilon: EPS }];

describe('the BNS loss (Σ KL of the stored from the batch statistics)', () => {
  it('equals the KL written out directly on a 2×3 batch', async () => {
    const s = stored();
    const loss = bnStatisticsLoss([tf.tensor2d(X)], s);
    expect((await loss.data())[0]).toBeCloseTo(directKl(X), 4);
    tf.dispose([loss, s[0]?.mean, s[0]?.variance]);
  });

  it('has the hand-derived gradient with respect to the inputs', async () => {
    const s = stored();
    const grad = tf.grad((x: tf.Tensor) => bnStatisticsLoss([x], s))(tf.tensor2d(X));
    const got = (await grad.array()) as number[][];
    const want = handGradient(X);
    for (const [i, g] of got.flat().entries()) expect(g).toBeCloseTo(want.flat()[i] as number, 3);
    tf.dispose([grad, s[0]?.mean, s[0]?.variance]);
  });

  it('is 0 when the batch has exactly the stored statistics, and positive otherwise', async () => {
    // Two rows ±1 around the mean: population variance 1.
    const batch = tf.tensor2d([
      [1.1, 1.4, 0.8],
      [-0.9, -0.6, -1.2],
    ]);
    const s: StoredStatistics[] = [{ mean: tf.tensor1d([0.1, 0.4, -0.2]), variance: tf.ones([3]), epsilon: 0 }];
    const zero = bnStatisticsLoss([batch], s);
    expect((await zero.data())[0]).toBeCloseTo(0, 5);
    const off = bnStatisticsLoss([batch.mul(2)], s);
    expect((await off.data())[0]).toBeGreaterThan(0.1);
    tf.dispose([batch, zero, off, s[0]?.mean, s[0]?.variance]);
  });

  it("takes a BatchNorm layer's input and stored statistics through a frozen teacher, and its gradient matches finite differences", async () => {
    const input = tf.input({ shape: [3] });
    const dense = tf.layers.dense({ units: 2, kernelInitializer: 'glorotUniform', name: 'dense_1' });
    const bn = tf.layers.batchNormalization({ name: 'batch_normalization_1', epsilon: 1e-5 });
    const out = tf.layers.dense({ units: 2, name: 'dense_2' }).apply(bn.apply(dense.apply(input))) as tf.SymbolicTensor;
    const teacher = tf.model({ inputs: input, outputs: out });
    dense.setWeights([
      tf.tensor2d([
        [0.5, -0.2],
        [0.1, 0.7],
        [-0.3, 0.4],
      ]),
      tf.tensor1d([0.05, -0.1]),
    ]);
    bn.setWeights([tf.ones([2]), tf.zeros([2]), tf.tensor1d([0.2, -0.1]), tf.tensor1d([0.3, 0.6])]);
    const probe = new TeacherProbe(teacher);
    expect(probe.batchNormLayers).toBe(1);
    const f = (x: tf.Tensor) => bnStatisticsLoss(probe.run(x).bnInputs, probe.stored);
    // Direct: the BN input is x·W + b; its KL against (0.2, −0.1), (0.3, 0.6).
    const W = [
      [0.5, -0.2],
      [0.1, 0.7],
      [-0.3, 0.4],
    ];
    const b = [0.05, -0.1];
    const klOf = (x: number[][]) => {
      const h = x.map((row) =>
        [0, 1].map((j) => (b[j] as number) + row.reduce((a, v, k) => a + v * ((W[k] as number[])[j] as number), 0)),
      );
      let total = 0;
      [0, 1].forEach((c) => {
        const { m, s2 } = moments(channel(h, c));
        const mu = [0.2, -0.1][c] as number;
        const sv = ([0.3, 0.6][c] as number) + 1e-5;
        const bv = s2 + 1e-5;
        total += 0.5 * Math.log(bv / sv) + (sv + (mu - m) ** 2) / (2 * bv) - 0.5;
      });
      return total;
    };
    const value = f(tf.tensor2d(X));
    // float32 against float64: equal to a relative 1e-5.
    expect(Math.abs(((await value.data())[0] as number) / klOf(X) - 1)).toBeLessThan(1e-5);
    const grad = (await tf.grad(f)(tf.tensor2d(X)).array()) as number[][];
    const h = 1e-4;
    for (const [i, row] of X.entries()) {
      for (const j of row.keys()) {
        const plus = X.map((r) => [...r]);
        const minus = X.map((r) => [...r]);
        (plus[i] as number[])[j] = ((X[i] as number[])[j] as number) + h;
        (minus[i] as number[])[j] = ((X[i] as number[])[j] as number) - h;
        const numeric = (klOf(plus) - klOf(minus)) / (2 * h);
        expect(Math.abs(((grad[i] as number[])[j] as number) - numeric)).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(numeric)),
        );
      }
    }
    teacher.dispose();
    value.dispose();
  });
});

describe('the inception loss (minus the target logit, plus a total-variation prior)', () => {
  const images = [
    [
      [[0.1], [0.5]],
      [[0.9], [0.3]],
    ],
    [
      [[0.0], [1.0]],
      [[0.4], [0.4]],
    ],
  ];
  const logits = [
    [1.5, -0.5, 0.2],
    [0.3, 2.0, -1.0],
  ];
  // Σ squared vertical and horizontal neighbour differences per image, mean over the batch.
  const tvOf = (im: number[][][][]) =>
    im.reduce((sum, img) => {
      const p = img.map((r) => r.map((c) => c[0] as number));
      const v =
        ((p[1]?.[0] as number) - (p[0]?.[0] as number)) ** 2 + ((p[1]?.[1] as number) - (p[0]?.[1] as number)) ** 2;
      const hz =
        ((p[0]?.[1] as number) - (p[0]?.[0] as number)) ** 2 + ((p[1]?.[1] as number) - (p[1]?.[0] as number)) ** 2;
      return sum + v + hz;
    }, 0) / im.length;

  it('total variation equals the neighbour differences summed by hand', async () => {
    const tv = totalVariation(tf.tensor4d(images));
    expect((await tv.data())[0]).toBeCloseTo(tvOf(images), 5);
    tv.dispose();
  });

  it('equals −mean(target logit) + λ·TV, and its gradient in the logits is −1/n at each target', async () => {
    const targets = new Int32Array([0, 1]);
    const lambda = 0.05;
    const loss = inceptionLoss(tf.tensor2d(logits), targets, tf.tensor4d(images), lambda);
    expect((await loss.data())[0]).toBeCloseTo(-(1.5 + 2.0) / 2 + lambda * tvOf(images), 5);
    const g = tf.grad((l: tf.Tensor) => inceptionLoss(l as tf.Tensor2D, targets, tf.tensor4d(images), lambda));
    const dLogits = ((await g(tf.tensor2d(logits)).array()) as number[][]).map((r) => r.map((v) => v + 0));
    expect(dLogits).toEqual([
      [-0.5, 0, 0],
      [0, -0.5, 0],
    ]);
    loss.dispose();
  });

  it('has the finite-difference gradient with respect to the images', async () => {
    const targets = new Int32Array([2, 0]);
    const flat = images.flat(3) as number[];
    const f = (x: tf.Tensor) => totalVariation(x as tf.Tensor4D).mul(0.05);
    const grad = (await tf
      .grad(f)(tf.tensor4d(flat, [2, 2, 2, 1]))
      .data()) as Float32Array;
    const h = 1e-3;
    flat.forEach((_, i) => {
      const at = (d: number) => {
        const v = [...flat];
        v[i] = (v[i] as number) + d;
        const im = [0, 1].map((n) => [0, 1].map((r) => [0, 1].map((c) => [v[n * 4 + r * 2 + c] as number])));
        return 0.05 * tvOf(im);
      };
      expect(grad[i]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 3);
    });
    void targets;
  });
});
