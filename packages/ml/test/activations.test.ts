import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { APLU, ChannelPReLU, TrainableSwish } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

function values(t: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[]): number[] {
  return Array.from((t as tf.Tensor).dataSync());
}

function weightOf(layer: tf.layers.Layer, name: string): tf.LayerVariable {
  const w = layer.weights.find((v) => v.originalName.split('/').at(-1) === name);
  if (!w) throw new Error(`no weight ${name}`);
  return w;
}

/** Saves a one-layer model through an IOHandler, loads it back, and returns both outputs on `x`. */
async function roundTrip(layer: tf.layers.Layer, inputShape: number[], x: tf.Tensor) {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), layer] });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
  const result = {
    before: values(model.predict(x) as tf.Tensor),
    after: values(loaded.predict(x) as tf.Tensor),
    loadedLayer: loaded.layers.at(-1) as tf.layers.Layer,
  };
  return result;
}

describe('ChannelPReLU', () => {
  it('keeps the symbolic shape and stores one slope per channel, initialised to 0.25', () => {
    const layer = new ChannelPReLU({ name: 'prelu_1' });
    const out = layer.apply(tf.input({ shape: [4, 4, 3] })) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, 4, 4, 3]);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([['prelu_1/alpha', [3]]]);
    expect(values(weightOf(layer, 'alpha').read())).toEqual([0.25, 0.25, 0.25]);
  });

  it('computes relu(x) − α·relu(−x) per channel', () => {
    const layer = new ChannelPReLU();
    layer.apply(tf.input({ shape: [2] }));
    tf.tidy(() => {
      weightOf(layer, 'alpha').write(tf.tensor([0.1, 0.5]));
    });
    // By hand: channel 0 slope 0.1, channel 1 slope 0.5.
    expect(
      values(
        layer.apply(
          tf.tensor([
            [-2, -2],
            [3, 4],
          ]),
        ),
      ),
    ).toEqual([-0.2, -1, 3, 4].map(Math.fround));
  });

  it('survives a save/load round trip', async () => {
    const x = tf.tensor([[-1, 2, -3]]);
    const r = await roundTrip(new ChannelPReLU({ initialSlope: 0.3 }), [3], x);
    expect(r.after).toEqual(r.before);
    expect(r.loadedLayer).toBeInstanceOf(ChannelPReLU);
    expect((r.loadedLayer as ChannelPReLU).initialSlope).toBe(0.3);
  });
});

describe('TrainableSwish', () => {
  it('keeps the symbolic shape and has one β initialised to 1', () => {
    const layer = new TrainableSwish({ name: 'swish_1' });
    expect((layer.apply(tf.input({ shape: [7] })) as tf.SymbolicTensor).shape).toEqual([null, 7]);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([['swish_1/beta', [1]]]);
    expect(values(weightOf(layer, 'beta').read())).toEqual([1]);
  });

  it('computes x·sigmoid(β·x)', () => {
    const layer = new TrainableSwish({ initialBeta: 2 });
    const xs = [-1, 0, 0.5, 3];
    const got = values(layer.apply(tf.tensor([xs])));
    // Golden values from the definition, in float64.
    xs.forEach((x, i) => {
      expect(got[i]).toBeCloseTo(x / (1 + Math.exp(-2 * x)), 6);
    });
  });

  it('survives a save/load round trip', async () => {
    const r = await roundTrip(new TrainableSwish({ initialBeta: 1.5 }), [2], tf.tensor([[-1, 2]]));
    expect(r.after).toEqual(r.before);
    expect((r.loadedLayer as TrainableSwish).initialBeta).toBe(1.5);
  });
});

describe('APLU', () => {
  it('keeps the symbolic shape and stores [hinges, units] slopes and offsets', () => {
    const layer = new APLU({ hinges: 3, name: 'aplu_1' });
    expect((layer.apply(tf.input({ shape: [5, 5, 2] })) as tf.SymbolicTensor).shape).toEqual([null, 5, 5, 2]);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['aplu_1/alpha', [3, 2]],
      ['aplu_1/offset', [3, 2]],
    ]);
    // Starts as ReLU (a = 0), hinges spread over [−1, 1].
    expect(values(weightOf(layer, 'alpha').read())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(weightOf(layer, 'offset').read())).toEqual([-1, -1, 0, 0, 1, 1]);
  });

  it('computes max(0, x) + Σ_s a_s·max(0, −x + b_s) per unit', () => {
    const layer = new APLU({ hinges: 2 });
    layer.apply(tf.input({ shape: [2] }));
    tf.tidy(() => {
      weightOf(layer, 'alpha').write(
        tf.tensor([
          [0.5, -1],
          [2, 0.25],
        ]),
      );
      weightOf(layer, 'offset').write(
        tf.tensor([
          [0, 1],
          [-1, 2],
        ]),
      );
    });
    const xs = [
      [-2, 0.5],
      [1.5, 3],
    ];
    // By hand, unit 0: hinges (a, b) = (0.5, 0), (2, −1); unit 1: (−1, 1), (0.25, 2).
    const h = (x: number, hinges: number[][]) =>
      Math.max(0, x) + hinges.reduce((acc, [a, b]) => acc + (a as number) * Math.max(0, -x + (b as number)), 0);
    const want = xs.flatMap(([x0, x1]) => [
      h(x0 as number, [
        [0.5, 0],
        [2, -1],
      ]),
      h(x1 as number, [
        [-1, 1],
        [0.25, 2],
      ]),
    ]);
    const got = values(layer.apply(tf.tensor(xs)));
    want.forEach((w, i) => {
      expect(got[i]).toBeCloseTo(w, 6);
    });
  });

  it('survives a save/load round trip', async () => {
    const r = await roundTrip(new APLU({ hinges: 4 }), [3], tf.tensor([[-1, 0.2, 2]]));
    expect(r.after).toEqual(r.before);
    expect((r.loadedLayer as APLU).hinges).toBe(4);
  });

  it('has gradients that central finite differences give (away from the hinges)', () => {
    const layer = new APLU({ hinges: 2 });
    layer.apply(tf.input({ shape: [3] }));
    tf.tidy(() => {
      weightOf(layer, 'alpha').write(
        tf.tensor([
          [0.5, -0.3, 1],
          [0.2, 0.7, -0.4],
        ]),
      );
    });
    const xs = [-1.6, 0.4, 1.3];
    const f = (x: number[]) =>
      tf.tidy(
        () =>
          (layer.apply(tf.tensor([x])) as tf.Tensor)
            .mul(tf.tensor([[1, -2, 0.5]]))
            .sum()
            .dataSync()[0] as number,
      );
    const g = tf.tidy(() =>
      values(
        tf.grad((x: tf.Tensor) => (layer.apply(x) as tf.Tensor).mul(tf.tensor([[1, -2, 0.5]])).sum())(tf.tensor([xs])),
      ),
    );
    const h = 1e-2;
    xs.forEach((_, i) => {
      const plus = xs.map((v, j) => (j === i ? v + h : v));
      const minus = xs.map((v, j) => (j === i ? v - h : v));
      expect(g[i]).toBeCloseTo((f(plus) - f(minus)) / (2 * h), 3);
    });
  });
});

describe('the official code’s baseline variants', () => {
  describe("ChannelPReLU with slopes: 'layer' (nn.PReLU())", () => {
    it('keeps the symbolic shape and stores one slope for the whole layer', () => {
      const layer = new ChannelPReLU({ name: 'prelu_1', slopes: 'layer' });
      expect((layer.apply(tf.input({ shape: [4, 4, 3] })) as tf.SymbolicTensor).shape).toEqual([null, 4, 4, 3]);
      expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([['prelu_1/alpha', [1]]]);
      expect(values(weightOf(layer, 'alpha').read())).toEqual([0.25]);
    });

    it('applies the one slope to every channel', () => {
      const layer = new ChannelPReLU({ slopes: 'layer' });
      layer.apply(tf.input({ shape: [3] }));
      tf.tidy(() => {
        weightOf(layer, 'alpha').write(tf.tensor([0.5]));
      });
      // By hand: relu(x) − 0.5·relu(−x).
      expect(values(layer.apply(tf.tensor([[-2, 4, -1]])))).toEqual([-1, 4, -0.5]);
    });

    it('survives a save/load round trip', async () => {
      const r = await roundTrip(new ChannelPReLU({ slopes: 'layer' }), [3], tf.tensor([[-1, 2, -3]]));
      expect(r.after).toEqual(r.before);
      expect((r.loadedLayer as ChannelPReLU).slopes).toBe('layer');
    });
  });

  describe("TrainableSwish with betas: 'unit'", () => {
    it('keeps the symbolic shape and has one β per unit, initialised to 1', () => {
      const layer = new TrainableSwish({ name: 'swish_1', betas: 'unit' });
      expect((layer.apply(tf.input({ shape: [2, 2, 5] })) as tf.SymbolicTensor).shape).toEqual([null, 2, 2, 5]);
      expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([['swish_1/beta', [5]]]);
      expect(values(weightOf(layer, 'beta').read())).toEqual([1, 1, 1, 1, 1]);
    });

    it('computes x·sigmoid(β_u·x) with each unit’s own β', () => {
      const layer = new TrainableSwish({ betas: 'unit' });
      layer.apply(tf.input({ shape: [2] }));
      tf.tidy(() => {
        weightOf(layer, 'beta').write(tf.tensor([2, -0.5]));
      });
      const xs = [
        [-1, 3],
        [0.5, -2],
      ];
      const got = values(layer.apply(tf.tensor(xs)));
      // Golden values from the definition, in float64: unit 0 has β = 2, unit 1 β = −0.5.
      const want = xs.flatMap(([a, b]) => [
        (a as number) / (1 + Math.exp(-2 * (a as number))),
        (b as number) / (1 + Math.exp(0.5 * (b as number))),
      ]);
      want.forEach((w, i) => {
        expect(got[i]).toBeCloseTo(w, 6);
      });
    });

    it('survives a save/load round trip', async () => {
      const layer = new TrainableSwish({ betas: 'unit' });
      layer.apply(tf.input({ shape: [2] }));
      tf.tidy(() => {
        weightOf(layer, 'beta').write(tf.tensor([0.3, 1.7]));
      });
      const r = await roundTrip(layer, [2], tf.tensor([[-1, 2]]));
      expect(r.after).toEqual(r.before);
      expect((r.loadedLayer as TrainableSwish).betas).toBe('unit');
    });
  });

  describe("APLU with init: 'random'", () => {
    it('keeps the symbolic shape and draws slopes from U(−0.5, 0.5) and hinge locations from N(0, 0.5²)', () => {
      const layer = new APLU({ hinges: 6, init: 'random', seed: 7, name: 'aplu_1' });
      expect((layer.apply(tf.input({ shape: [500] })) as tf.SymbolicTensor).shape).toEqual([null, 500]);
      expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
        ['aplu_1/alpha', [6, 500]],
        ['aplu_1/offset', [6, 500]],
      ]);
      const a = values(weightOf(layer, 'alpha').read());
      const b = values(weightOf(layer, 'offset').read());
      // 3,000 draws each: U(−0.5, 0.5) has mean 0 and std 1/√12 ≈ 0.289; N(0, 0.5²) std 0.5 (both ± a few %).
      const std = (v: number[]) => {
        const m = v.reduce((s, x) => s + x, 0) / v.length;
        return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
      };
      expect(Math.min(...a)).toBeGreaterThanOrEqual(-0.5);
      expect(Math.max(...a)).toBeLessThanOrEqual(0.5);
      expect(std(a)).toBeCloseTo(1 / Math.sqrt(12), 1);
      expect(std(b)).toBeCloseTo(0.5, 1);
      expect(Math.abs(b.reduce((s, x) => s + x, 0) / b.length)).toBeLessThan(0.05);
      layer.dispose();
    });

    it('draws the same values from the same seed and others from another', () => {
      const draw = (seed: number) => {
        const layer = new APLU({ hinges: 2, init: 'random', seed });
        layer.apply(tf.input({ shape: [4] }));
        const v = [...values(weightOf(layer, 'alpha').read()), ...values(weightOf(layer, 'offset').read())];
        layer.dispose();
        return v;
      };
      expect(draw(3)).toEqual(draw(3));
      expect(draw(3)).not.toEqual(draw(4));
    });

    it('survives a save/load round trip with its drawn values', async () => {
      const r = await roundTrip(new APLU({ hinges: 3, init: 'random', seed: 11 }), [3], tf.tensor([[-1, 0.2, 2]]));
      expect(r.after).toEqual(r.before);
      expect([(r.loadedLayer as APLU).init, (r.loadedLayer as APLU).seed]).toEqual(['random', 11]);
    });
  });
});
