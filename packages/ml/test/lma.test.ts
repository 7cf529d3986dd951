import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LMA, lmaActivation } from '../src/index.ts';
import { lmaInitialSlopes } from '../src/layers/lma.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

/** Values of a LayerVariable by weight name (`alpha`, `running_std`, …). */
function weight(layer: tf.layers.Layer, name: string): number[] {
  const w = layer.weights.find((v) => v.originalName.split('/').at(-1) === name);
  if (!w) throw new Error(`no weight ${name}`);
  return Array.from(w.read().dataSync());
}

function setWeight(layer: tf.layers.Layer, name: string, values: number[]): void {
  const w = layer.weights.find((v) => v.originalName.split('/').at(-1) === name);
  if (!w) throw new Error(`no weight ${name}`);
  tf.tidy(() => {
    w.write(tf.tensor(values, w.shape as number[]));
  });
}

describe('lmaActivation', () => {
  it('applies the line of the segment each value falls in, with open end segments', () => {
    // Golden values by hand from the LMA definition: k = 4, μ = 0, σ = 1 → bins of width 6σ/k = 1.5 from
    // μ − 3σ = −3, so j = clamp(floor((x + 3)/1.5), 0, 3): −5 → 0 (open left), −2 → 0, −1 → 1, 0.5 → 2,
    // 2 → 3, 10 → 3 (open right).
    // With α = [0.1, 0.2, 0.3, 0.4] and β = [1, 2, 3, 4], h(x) = α_j·x + β_j.
    const y = lmaActivation(
      tf.tensor([-5, -2, -1, 0.5, 2, 10]),
      tf.tensor([0.1, 0.2, 0.3, 0.4]),
      tf.tensor([1, 2, 3, 4]),
      tf.tensor([0]),
      tf.tensor([1]),
    );
    const want = [0.1 * -5 + 1, 0.1 * -2 + 1, 0.2 * -1 + 2, 0.3 * 0.5 + 3, 0.4 * 2 + 4, 0.4 * 10 + 4];
    Array.from(y.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i] as number, 5);
    });
  });

  it('places the bins around μ and scales them with σ', () => {
    // μ = 10, σ = 2, k = 2: one edge at μ; x < 10 → segment 0, x ≥ 10 → segment 1 (by hand).
    const y = lmaActivation(
      tf.tensor([3, 9.9, 10.1, 30]),
      tf.tensor([-1, 2]),
      tf.tensor([0.5, -1]),
      tf.tensor([10]),
      tf.tensor([2]),
    );
    const want = [-3 + 0.5, -9.9 + 0.5, 20.2 - 1, 60 - 1];
    Array.from(y.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i] as number, 4);
    });
  });

  describe('gradients (central finite differences)', () => {
    const k = 6;
    // Inputs at bin midpoints, far from every edge (μ = 0.2, σ = 0.9: edges at −2.5 + 0.9·j), plus the open ends.
    const xs = [-3.1, -2.05, -1.15, -0.25, 0.65, 1.55, 2.45, 3.35, 4.0];
    const weights = xs.map((_, i) => Math.sin(i + 1));
    const alpha0 = [0.3, -0.5, 1.2, 0.7, -0.2, 0.9];
    const beta0 = [0.1, 0.4, -0.3, 0.2, 0.05, -0.6];
    const loss = (x: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
      lmaActivation(x, a, b, tf.tensor([0.2]), tf.tensor([0.9]))
        .mul(tf.tensor(weights))
        .sum() as tf.Scalar;
    const numeric = (values: number[], at: (v: number[]) => number, h = 1e-2) =>
      values.map((_, i) => {
        const plus = [...values];
        const minus = [...values];
        plus[i] = (plus[i] as number) + h;
        minus[i] = (minus[i] as number) - h;
        return (at(plus) - at(minus)) / (2 * h);
      });
    const value = (x: number[], a: number[], b: number[]) =>
      tf.tidy(() => loss(tf.tensor(x), tf.tensor(a), tf.tensor(b)).dataSync()[0] as number);
    const analyticGrads = () =>
      tf.tidy(() =>
        tf
          .grads((x: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => loss(x, a, b))([
            tf.tensor(xs),
            tf.tensor(alpha0),
            tf.tensor(beta0),
          ])
          .map((g) => Array.from(g.dataSync())),
      );

    it('matches with respect to x away from the bin edges', () => {
      const analytic = analyticGrads();
      const fd = numeric(xs, (x) => value(x, alpha0, beta0));
      fd.forEach((g, i) => {
        expect(analytic[0]?.[i]).toBeCloseTo(g, 3);
      });
    });

    it('matches with respect to α', () => {
      const analytic = analyticGrads();
      const fd = numeric(alpha0, (a) => value(xs, a, beta0));
      fd.forEach((g, i) => {
        expect(analytic[1]?.[i]).toBeCloseTo(g, 3);
      });
    });

    it('matches with respect to β', () => {
      const analytic = analyticGrads();
      const fd = numeric(beta0, (b) => value(xs, alpha0, b));
      fd.forEach((g, i) => {
        expect(analytic[2]?.[i]).toBeCloseTo(g, 3);
      });
      expect(k).toBe(alpha0.length);
    });
  });
});

describe('LMA layer', () => {
  it('starts like ReLU around μ: β = 0, α = 0 on the left ⌊k/2⌋ segments and 1 on the others', () => {
    expect(lmaInitialSlopes(8)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(lmaInitialSlopes(5)).toEqual([0, 0, 1, 1, 1]);
    const layer = new LMA({ segments: 8 });
    layer.apply(tf.input({ shape: [3] }));
    expect(weight(layer, 'alpha')).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(weight(layer, 'beta')).toEqual(new Array(8).fill(0));
    expect(weight(layer, 'running_mean')).toEqual([0]);
    expect(weight(layer, 'running_std')).toEqual([1]);
    layer.dispose();
  });

  it('has 2k trainable parameters and two non-trainable statistics, in the spec order', () => {
    const layer = new LMA({ segments: 4, name: 'lma_1' });
    layer.apply(tf.input({ shape: [7] })); // builds inside the layer's name scope, as in a model
    expect(layer.weights.map((w) => [w.originalName, w.shape, w.trainable])).toEqual([
      ['lma_1/alpha', [4], true],
      ['lma_1/beta', [4], true],
      ['lma_1/running_mean', [1], false],
      ['lma_1/running_std', [1], false],
    ]);
    layer.dispose();
  });

  it('keeps the symbolic shape of its input', () => {
    const input = tf.input({ shape: [5, 4, 3] });
    const out = new LMA().apply(input) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, 5, 4, 3]);
    expect(new LMA().computeOutputShape([null, 9])).toEqual([null, 9]);
  });

  describe('when training', () => {
    it('uses the statistics of the whole batch and updates the moving averages with momentum 0.99', () => {
      // x = [[−2, −1], [1, 2]]: μ = 0, σ = √((4 + 1 + 1 + 4)/4) = √2.5 (one scalar pair for the whole tensor).
      // k = 2 with the ReLU-like init: segment 1 (α = 1) for x ≥ μ, else 0 → [[0, 0], [1, 2]].
      const layer = new LMA({ segments: 2 });
      const y = layer.apply(
        tf.tensor([
          [-2, -1],
          [1, 2],
        ]),
        { training: true },
      ) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual([0, 0, 1, 2]);
      expect(weight(layer, 'running_mean')[0]).toBeCloseTo(0, 6);
      expect(weight(layer, 'running_std')[0]).toBeCloseTo(0.99 * 1 + 0.01 * Math.sqrt(2.5), 6);
      layer.apply(tf.tensor([[3, 5]]), { training: true });
      // Second batch: μ = 4, σ = 1.
      expect(weight(layer, 'running_mean')[0]).toBeCloseTo(0.01 * 4, 6);
      expect(weight(layer, 'running_std')[0]).toBeCloseTo(0.99 * (0.99 + 0.01 * Math.sqrt(2.5)) + 0.01 * 1, 6);
      layer.dispose();
    });

    it('allocates nothing that outlives a training step', () => {
      const layer = new LMA({ segments: 4 });
      layer.apply(tf.input({ shape: [3] }));
      const x = tf.tensor([[-1, 0.5, 2]]);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        tf.grad((v: tf.Tensor) => (layer.apply(v, { training: true }) as tf.Tensor).sum())(x);
      });
      expect(tf.memory().numTensors).toBe(before);
      layer.dispose();
    });

    it('passes no gradient through μ and σ: ∂/∂x is exactly the segment slope', () => {
      const layer = new LMA({ segments: 4 });
      layer.apply(tf.input({ shape: [3] }));
      setWeight(layer, 'alpha', [0.5, -1, 2, 3]);
      const x = tf.tensor([
        [-1.7, 0.2, 0.9],
        [2.2, -0.3, 1.4],
      ]);
      const dx = tf.grad((v: tf.Tensor) => (layer.apply(v, { training: true }) as tf.Tensor).sum())(x);
      // Batch μ/σ of x, then the segment of each value (computed here in float64, by the formula in lma.ts).
      const v = Array.from(x.dataSync());
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      const sigma = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length);
      const slopes = v.map(
        (xi) => [0.5, -1, 2, 3][Math.min(3, Math.max(0, Math.floor((xi - mu + 3 * sigma) / ((6 * sigma) / 4))))],
      );
      expect(Array.from(dx.dataSync())).toEqual(slopes);
      layer.dispose();
    });
  });

  describe('at inference', () => {
    it('uses the moving averages and leaves them unchanged', () => {
      const layer = new LMA({ segments: 2 });
      layer.apply(tf.input({ shape: [2] }));
      setWeight(layer, 'running_mean', [1]);
      setWeight(layer, 'running_std', [0.5]);
      // The only edge is at μ = 1 (not at the batch mean 5.5): 0.9 → α_0 = 0, 1.1 and 20 → α_1 = 1.
      const y = layer.apply(
        tf.tensor([
          [0.9, 1.1],
          [20, 0],
        ]),
        { training: false },
      ) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual([0, Math.fround(1.1), 20, 0]);
      layer.apply(tf.tensor([[7, 8]]));
      expect(weight(layer, 'running_mean')).toEqual([1]);
      expect(weight(layer, 'running_std')).toEqual([0.5]);
      layer.dispose();
    });
  });

  describe('serialization', () => {
    it('round-trips its config through getConfig/fromConfig', () => {
      const layer = new LMA({ segments: 5, momentum: 0.9, epsilon: 1e-3, name: 'lma_7' });
      const config = layer.getConfig();
      expect(config).toMatchObject({ segments: 5, momentum: 0.9, epsilon: 1e-3, name: 'lma_7' });
      const copy = tf.serialization.SerializationMap.getMap().classNameMap.LMA?.[1](LMA, config) as LMA;
      expect([copy.segments, copy.momentum, copy.epsilon, copy.name]).toEqual([5, 0.9, 1e-3, 'lma_7']);
    });

    it('saves the running statistics with the model and restores them frozen', async () => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ units: 3, inputShape: [2], name: 'd' }), new LMA({ segments: 3, name: 'lma_1' })],
      });
      for (let i = 0; i < 5; i++)
        model.apply(
          tf.tensor([
            [i, 1],
            [2, -i],
          ]),
          { training: true },
        );
      const lmaLayer = model.getLayer('lma_1');
      const stats = [weight(lmaLayer, 'running_mean')[0], weight(lmaLayer, 'running_std')[0]];
      expect(stats[0]).not.toBe(0);
      let saved: tf.io.ModelArtifacts | null = null;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          saved = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
      const restored = loaded.getLayer('lma_1');
      expect(restored).toBeInstanceOf(LMA);
      expect([weight(restored, 'running_mean')[0], weight(restored, 'running_std')[0]]).toEqual(stats);
      const x = tf.tensor([
        [0.3, -0.2],
        [1.5, 2],
      ]);
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      expect([weight(restored, 'running_mean')[0], weight(restored, 'running_std')[0]]).toEqual(stats);
      model.dispose();
      loaded.dispose();
    });
  });
});
