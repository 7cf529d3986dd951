import { type ModelSpec, modelSmhPool, modelTensors, parameterCount, smhInitStddev } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfjsLayersModel } from '../src/artifact/index.ts';
import { buildModel, loadModelArtifact, SmhConv2D, SmhDense, SmhPool, saveModelArtifact } from '../src/index.ts';
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

/** Z = L·R flattened row-major, in float64 (the independent computation the layers are checked against). */
function product(left: number[][], right: number[][]): number[] {
  const m = left.length;
  const k = right.length;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += (left[i]?.[r] as number) * (right[r]?.[j] as number);
      out.push(s);
    }
  }
  return out;
}

/** A pool with fixed L (3×2) and R (2×3), applied to a model input of `inputShape`. */
function fixedPool(inputShape: number[]) {
  const left = [
    [1, 2],
    [0.5, -1],
    [-2, 0.25],
  ];
  const right = [
    [1, 0, -1],
    [2, 0.5, 3],
  ];
  const input = tf.input({ shape: inputShape });
  const pool = new SmhPool({ name: 'smh_pool_1', rows: 3, columns: 2 });
  const z = pool.apply(input) as tf.SymbolicTensor;
  tf.tidy(() => {
    weightOf(pool, 'left').write(tf.tensor(left));
    weightOf(pool, 'right').write(tf.tensor(right));
  });
  return { input, pool, z, flat: product(left, right) };
}

describe('SmhPool', () => {
  it('outputs Z = L·R flattened, [m²], and stores L [m, k] and R [k, m]', () => {
    const { pool, z, flat } = fixedPool([2]);
    expect(z.shape).toEqual([9]);
    expect(pool.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['smh_pool_1/left', [3, 2]],
      ['smh_pool_1/right', [2, 3]],
    ]);
    // By hand: row 0 of L is (1, 2), column 0 of R is (1, 2): 1·1 + 2·2 = 5.
    expect(flat.slice(0, 3)).toEqual([5, 1, 5]);
    expect(values(pool.apply(tf.zeros([4, 2])) as tf.Tensor)).toEqual(flat.map(Math.fround));
  });

  it('draws L and R with σ = √(1/√k), so that Z starts with a standard deviation of about 1', () => {
    const pool = new SmhPool({ rows: 300, columns: 16, seed: 7 });
    const z = pool.apply(tf.zeros([1, 1])) as tf.Tensor;
    const std = (t: tf.Tensor) => Math.sqrt(tf.moments(t).variance.dataSync()[0] as number);
    expect(std(weightOf(pool, 'left').read())).toBeCloseTo(smhInitStddev(16), 1);
    expect(smhInitStddev(16)).toBe(0.5);
    // 90,000 entries, each a sum of 16 products of N(0, ¼) draws: variance 16·¼·¼ = 1.
    expect(std(z)).toBeGreaterThan(0.9);
    expect(std(z)).toBeLessThan(1.1);
  });
});

describe('SmhDense', () => {
  it('maps [batch, in] to [batch, units] and stores a scale and a bias, no kernel', () => {
    const { input, z } = fixedPool([2]);
    const layer = new SmhDense({ name: 'dense_1', units: 3, offset: 2 });
    expect((layer.apply([input, z]) as tf.SymbolicTensor).shape).toEqual([null, 3]);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['dense_1/scale', [1]],
      ['dense_1/bias', [3]],
    ]);
    const constant = new SmhDense({ name: 'dense_2', units: 3, offset: 0, learnableScale: false });
    constant.apply([input, z]);
    expect(constant.weights.map((w) => w.originalName)).toEqual(['dense_2/bias']);
  });

  it('uses values offset … offset + in·units of Z, row-major, times 1/√units and the learnable scale', () => {
    const { input, pool, z, flat } = fixedPool([2]);
    const layer = new SmhDense({ units: 2, offset: 3 });
    layer.apply([input, z]);
    tf.tidy(() => {
      weightOf(layer, 'scale').write(tf.tensor([1.5]));
      weightOf(layer, 'bias').write(tf.tensor([0.1, -0.2]));
    });
    const x = [
      [1, -1],
      [0.5, 2],
    ];
    // Independently: W[i][j] = Z[3 + 2i + j] · 1.5/√2; y = x·W + b.
    const w = (i: number, j: number) => ((flat[3 + 2 * i + j] as number) * 1.5) / Math.SQRT2;
    const want = x.flatMap((row) =>
      [0, 1].map((j) => (row[0] as number) * w(0, j) + (row[1] as number) * w(1, j) + ([0.1, -0.2][j] as number)),
    );
    const zv = pool.apply(tf.zeros([1, 2])) as tf.Tensor;
    const got = values(layer.apply([tf.tensor(x), zv]) as tf.Tensor);
    got.forEach((g, i) => {
      expect(g).toBeCloseTo(want[i] as number, 5);
    });
  });

  it('refuses a kernel that would run past the end of the pool', () => {
    const { input, z } = fixedPool([2]);
    expect(() => new SmhDense({ units: 4, offset: 2 }).apply([input, z])).toThrow(/overruns a pool of 9/);
  });
});

describe('SmhConv2D', () => {
  it("keeps the spatial shape ('same', stride 1) and stores a scale and a bias", () => {
    const { input, z } = fixedPool([5, 4, 1]);
    const layer = new SmhConv2D({ name: 'conv2d_1', filters: 1, kernelSize: 3, offset: 0 });
    expect((layer.apply([input, z]) as tf.SymbolicTensor).shape).toEqual([null, 5, 4, 1]);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['conv2d_1/scale', [1]],
      ['conv2d_1/bias', [1]],
    ]);
  });

  it('convolves with Z[offset …] as the [kh, kw, in, out] kernel, times √(2/(kh·kw·out))', () => {
    const { input, pool, z, flat } = fixedPool([3, 3, 1]);
    const layer = new SmhConv2D({ filters: 1, kernelSize: 3, offset: 0, learnableScale: false });
    layer.apply([input, z]);
    const image = [
      [1, 2, 0],
      [-1, 0.5, 3],
      [2, -2, 1],
    ];
    // Independently: zero-padded 3×3 cross-correlation with K[a][b] = Z[3a + b]·√(2/9).
    const factor = Math.sqrt(2 / 9);
    const want: number[] = [];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let a = 0; a < 3; a++) {
          for (let b = 0; b < 3; b++) {
            const v = image[r + a - 1]?.[c + b - 1] ?? 0;
            s += v * (flat[3 * a + b] as number) * factor;
          }
        }
        want.push(s);
      }
    }
    const zv = pool.apply(tf.zeros([1, 3, 3, 1])) as tf.Tensor;
    const got = values(layer.apply([tf.tensor(image).reshape([1, 3, 3, 1]), zv]) as tf.Tensor);
    got.forEach((g, i) => {
      expect(g).toBeCloseTo(want[i] as number, 5);
    });
  });
});

describe('SMH models', () => {
  const data = { shape: [6, 6, 1] as [number, number, number], classes: 3 };
  const mlp: ModelSpec = {
    family: 'mlp',
    hidden: [8],
    activation: { name: 'lma', segments: 4 },
    batchNorm: true,
    smh: { fraction: 0.5 },
  };
  const cnn: ModelSpec = { family: 'cnn', channels: [2], dense: [4], activation: 'prelu', smh: { fraction: 0.4 } };

  it('store 2mk pool values, one scale per kernel and the dense tensors, as an independent count says', () => {
    // MLP 36-8-3: N = 36·8 + 8·3 = 312, m = ⌈√312⌉ = 18, k = ⌊0.5·0.5·312/18⌋ = 4: 144 pool values.
    // Besides: 2 scales, biases 8 + 3, BatchNorm γ β and moving mean/variance 4·8, LMA α β 2·4 and μ σ 2.
    const model = buildModel(mlp, data, 1);
    expect(modelSmhPool(mlp, data)).toMatchObject({ poolSize: 312, m: 18, k: 4, storedValues: 144 });
    const stored = model.weights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
    expect(stored).toBe(144 + 2 + 11 + 32 + 8 + 2);
    expect(parameterCount(mlp, data)).toBe(stored);
    model.dispose();
  });

  it('survive a save/load round trip through the packed artifact and tf.loadLayersModel', async () => {
    for (const spec of [mlp, cnn]) {
      const model = buildModel(spec, data, 2);
      const x = tf.randomNormal(spec.family === 'mlp' ? [4, 36] : [4, 6, 6, 1], 0, 1, 'float32', 3);
      const artifact = await saveModelArtifact(model, { tensors: modelTensors(spec, data) });
      const loaded = await loadModelArtifact(artifact);
      expect(loaded.layers.some((l) => l instanceof SmhPool)).toBe(true);
      const smhLayer = loaded.layers.find((l) => l instanceof SmhDense) as SmhDense;
      expect(smhLayer.offset).toBe(spec.family === 'mlp' ? 0 : 18);
      expect(smhLayer.learnableScale).toBe(true);
      expect(values(loaded.predict(x) as tf.Tensor)).toEqual(values(model.predict(x) as tf.Tensor));
      model.dispose();
      loaded.dispose();
    }
  });

  it('load as a plain tfjs-layers model (the artifact download) with tf.loadLayersModel', async () => {
    const model = buildModel(cnn, data, 6);
    const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 7);
    const [modelJson, weightsBin] = exportTfjsLayersModel(
      await saveModelArtifact(model, { tensors: modelTensors(cnn, data) }),
    );
    const json = JSON.parse(new TextDecoder().decode(modelJson?.data)) as {
      modelTopology: object;
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const bin = weightsBin?.data as Uint8Array;
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]?.weights ?? [],
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    expect(loaded.layers.map((l) => l.getClassName())).toContain('SmhConv2D');
    expect(values(loaded.predict(x) as tf.Tensor)).toEqual(values(model.predict(x) as tf.Tensor));
    model.dispose();
    loaded.dispose();
  });

  it("give L and R the gradients tf.grad gives the written-out model (no straight-through: Z's own derivative)", () => {
    const spec: ModelSpec = { family: 'mlp', hidden: [5], activation: 'relu', smh: { fraction: 0.6 } };
    const model = buildModel(spec, data, 4);
    const x = tf.randomNormal([3, 36], 0, 1, 'float32', 5);
    const [left, right, scale1, bias1, scale2, bias2] = model.trainableWeights.map((w) => w.read());
    const pool = modelSmhPool(spec, data);
    expect(pool).toMatchObject({ m: 14, k: 4 });
    // The model written out with plain ops: Z = LR; W1 = Z[0 … 180) as 36×5 /√5 ·s1; W2 = Z[180 … 195) as 5×3 /√3 ·s2.
    const byHand = (l: tf.Tensor, r: tf.Tensor) => {
      const z = tf.matMul(l as tf.Tensor2D, r as tf.Tensor2D).reshape([-1]);
      const w1 = z
        .slice(0, 180)
        .reshape([36, 5])
        .mul(scale1 as tf.Tensor)
        .div(Math.sqrt(5));
      const w2 = z
        .slice(180, 15)
        .reshape([5, 3])
        .mul(scale2 as tf.Tensor)
        .div(Math.sqrt(3));
      const h = tf.relu(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D).add(bias1 as tf.Tensor));
      return tf
        .matMul(h as tf.Tensor2D, w2 as tf.Tensor2D)
        .add(bias2 as tf.Tensor)
        .square()
        .sum() as tf.Scalar;
    };
    const [gl, gr] = tf.grads(byHand)([left as tf.Tensor, right as tf.Tensor]);
    const { value, grads } = tf.variableGrads(
      () => (model.apply(x, { training: true }) as tf.Tensor).square().sum() as tf.Scalar,
      [left, right] as tf.Variable[],
    );
    expect(value.dataSync()[0]).toBeCloseTo(byHand(left as tf.Tensor, right as tf.Tensor).dataSync()[0] as number, 3);
    const close = (a: tf.Tensor, b: tf.Tensor) => {
      const diff = tf.max(tf.abs(a.sub(b))).dataSync()[0] as number;
      const mag = tf.max(tf.abs(b)).dataSync()[0] as number;
      expect(mag).toBeGreaterThan(0);
      expect(diff / mag).toBeLessThan(1e-5);
    };
    close(grads[(left as tf.Variable).name] as tf.Tensor, gl as tf.Tensor);
    close(grads[(right as tf.Variable).name] as tf.Tensor, gr as tf.Tensor);
    model.dispose();
  });

  it('draw the same pool from the same seed and another from another seed', () => {
    const pool = (seed: number) => {
      const m = buildModel(mlp, data, seed);
      const v = values(m.weights[0]?.read() as tf.Tensor);
      m.dispose();
      return v;
    };
    expect(pool(1)).toEqual(pool(1));
    expect(pool(1)).not.toEqual(pool(2));
  });
});
