import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LMA } from '../src/index.ts';
import { recalibrateLma } from '../src/train/recalibrate-lma.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

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

async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
}

/** Population mean and standard deviation in float64. */
function moments(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)];
}

describe('LMA statistics', () => {
  it('defaults to the moving average, the behaviour of layers saved before the option existed', () => {
    const layer = new LMA();
    expect(layer.statistics).toBe('moving-average');
    // A config without `statistics` (as saved before) loads as the moving average.
    const { statistics: _omitted, ...legacy } = new LMA({ segments: 4 }).getConfig();
    const copy = tf.serialization.SerializationMap.getMap().classNameMap.LMA?.[1](LMA, legacy) as LMA;
    expect(copy.statistics).toBe('moving-average');
  });

  it('refuses an unknown mode, naming the option and the allowed values', () => {
    expect(() => new LMA({ statistics: 'exact' as never })).toThrow(
      'LMA: statistics must be one of moving-average, bias-corrected, recalibrate, got exact',
    );
  });

  describe("'bias-corrected'", () => {
    it('adds a non-trainable step count after the running statistics, in the spec order', () => {
      const layer = new LMA({ segments: 4, statistics: 'bias-corrected', name: 'lma_1' });
      const out = layer.apply(tf.input({ shape: [6] })) as tf.SymbolicTensor;
      expect(out.shape).toEqual([null, 6]);
      expect(layer.weights.map((w) => [w.originalName, w.shape, w.trainable])).toEqual([
        ['lma_1/alpha', [4], true],
        ['lma_1/beta', [4], true],
        ['lma_1/running_mean', [1], false],
        ['lma_1/running_std', [1], false],
        ['lma_1/steps', [1], false],
      ]);
      layer.dispose();
    });

    it('divides the start out: after t steps of one batch, inference uses exactly that batch’s μ and σ', () => {
      // Golden values by hand: the batch [[0, 4], [2, 6]] has μ = 3, σ = √5. The moving average after t = 3
      // steps is m³·start + (1 − m³)·batch (start μ 0, σ 1); the correction (running − m³·start)/(1 − m³) gives
      // back μ = 3, σ = √5 exactly, where the plain average is still at 0.0297·3 = 0.089 and 0.970 + 0.0297·√5.
      const layer = new LMA({ segments: 2, statistics: 'bias-corrected' });
      const batch = tf.tensor([
        [0, 4],
        [2, 6],
      ]);
      for (let i = 0; i < 3; i++) layer.apply(batch, { training: true });
      expect(weight(layer, 'steps')).toEqual([3]);
      const c = 1 - 0.99 ** 3;
      expect(weight(layer, 'running_mean')[0]).toBeCloseTo(c * 3, 5);
      expect(weight(layer, 'running_std')[0]).toBeCloseTo(1 - c + c * Math.sqrt(5), 5);
      const stats = layer.inferenceStatistics();
      const [mean, std] = stats.map((t) => t.dataSync()[0] as number) as [number, number];
      tf.dispose(stats);
      expect(mean).toBeCloseTo(3, 4);
      expect(std).toBeCloseTo(Math.sqrt(5), 4);
      // k = 2, ReLU-like: the edge is at the corrected μ = 3 (2.9 → 0; 3.1 → 3.1); the plain average would put
      // it at 0.089 and pass 2.9 through.
      const y = layer.apply(tf.tensor([[2.9, 3.1]])) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual([0, Math.fround(3.1)]);
      layer.dispose();
    });

    it('allocates nothing that outlives a training or an inference step', () => {
      const layer = new LMA({ segments: 4, statistics: 'bias-corrected' });
      layer.apply(tf.input({ shape: [3] }));
      const x = tf.tensor([[-1, 0.5, 2]]);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        tf.grad((v: tf.Tensor) => (layer.apply(v, { training: true }) as tf.Tensor).sum())(x);
      });
      tf.dispose(layer.apply(x) as tf.Tensor);
      expect(tf.memory().numTensors).toBe(before);
      layer.dispose();
    });

    it('uses the start itself before the first step (no 0/0)', () => {
      const layer = new LMA({ segments: 2, statistics: 'bias-corrected' });
      layer.apply(tf.input({ shape: [2] }));
      const stats = layer.inferenceStatistics();
      expect(stats.map((t) => t.dataSync()[0])).toEqual([0, 1]);
      tf.dispose(stats);
      layer.dispose();
    });

    it('saves the step count with the model, so the loaded model infers the same', async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 3, inputShape: [2], name: 'd', kernelInitializer: 'ones' }),
          new LMA({ segments: 3, statistics: 'bias-corrected', name: 'lma_1' }),
        ],
      });
      for (let i = 0; i < 4; i++) model.apply(tf.tensor([[i, 1]]), { training: true });
      const loaded = await saveAndLoad(model);
      const restored = loaded.getLayer('lma_1') as LMA;
      expect(restored.statistics).toBe('bias-corrected');
      expect(weight(restored, 'steps')).toEqual([4]);
      const x = tf.tensor([
        [0.3, -0.2],
        [1.5, 2],
      ]);
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      model.dispose();
      loaded.dispose();
    });
  });

  describe("'recalibrate'", () => {
    /** dense(2 → 3, fixed kernel) → LMA → dense(3 → 3, fixed kernel) → LMA: the second LMA depends on the first. */
    function twoLayerModel(): tf.Sequential {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 3, inputShape: [2], name: 'dense_1', useBias: false }),
          new LMA({ segments: 2, statistics: 'recalibrate', name: 'lma_1' }),
          tf.layers.dense({ units: 3, name: 'dense_2', useBias: false }),
          new LMA({ segments: 2, statistics: 'recalibrate', name: 'lma_2' }),
        ],
      });
      tf.tidy(() => {
        (model.getLayer('dense_1') as tf.layers.Layer).setWeights([tf.tensor([1, -1, 0.5, 2, 0, -1], [2, 3])]);
        (model.getLayer('dense_2') as tf.layers.Layer).setWeights([tf.tensor([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3])]);
      });
      return model;
    }
    const rows = [
      [1, 2],
      [-1, 0.5],
      [0, -3],
      [2, 1],
      [0.5, 0.5],
    ];
    /** A row set over `rows` as packages/ml's data sets store them: bytes, scaled by 1/255 in batches. */
    const rowSet = {
      split: {
        images: Uint8Array.from(rows.flat().map((v) => (v + 3) * 20)),
        labels: new Uint8Array(rows.length),
        count: rows.length,
      },
      indices: Int32Array.from(rows.keys()),
    };
    const pixels = rows.map((r) => r.map((v) => ((v + 3) * 20) / 255));

    it('sets μ and σ to the exact moments of each layer’s input, layer by layer in inference mode', async () => {
      const model = twoLayerModel();
      const stats = await recalibrateLma(model, rowSet as never, { shape: [1, 2, 1] }, 'flat');
      // Golden values in float64 from the definition: layer 1's input is x·K1 over all rows and units; layer
      // 2's input is LMA_1(x·K1)·K2 with LMA_1 already using those moments (K2 = identity here).
      const k1 = [
        [1, -1, 0.5],
        [2, 0, -1],
      ];
      const h1 = pixels.map((x) =>
        [0, 1, 2].map((j) => (x[0] as number) * (k1[0]?.[j] ?? 0) + (x[1] as number) * (k1[1]?.[j] ?? 0)),
      );
      const [m1, s1] = moments(h1.flat());
      // k = 2, ReLU-like init: values ≥ μ pass, the others become 0.
      const a1 = h1.map((r) => r.map((v) => (v >= m1 ? v : 0)));
      const [m2, s2] = moments(a1.flat());
      expect(stats.map((s) => s.layer)).toEqual(['lma_1', 'lma_2']);
      expect(stats.map((s) => s.count)).toEqual([15, 15]);
      expect(stats[0]?.mean).toBeCloseTo(m1, 5);
      expect(stats[0]?.std).toBeCloseTo(s1, 5);
      expect(stats[1]?.mean).toBeCloseTo(m2, 5);
      expect(stats[1]?.std).toBeCloseTo(s2, 5);
      expect(weight(model.getLayer('lma_1'), 'running_mean')[0]).toBeCloseTo(m1, 5);
      expect(weight(model.getLayer('lma_2'), 'running_std')[0]).toBeCloseTo(s2, 5);
      model.dispose();
    });

    it('does not depend on the starting statistics: a second pass changes nothing', async () => {
      const model = twoLayerModel();
      setWeight(model.getLayer('lma_1'), 'running_mean', [5]);
      const first = await recalibrateLma(model, rowSet as never, { shape: [1, 2, 1] }, 'flat');
      const second = await recalibrateLma(model, rowSet as never, { shape: [1, 2, 1] }, 'flat');
      expect(second).toEqual(first);
      model.dispose();
    });

    it('leaves LMA layers of the other modes alone', async () => {
      const model = tf.sequential({
        layers: [new LMA({ segments: 2, inputShape: [2], name: 'lma_1' })],
      });
      await recalibrateLma(model, rowSet as never, { shape: [1, 2, 1] }, 'flat');
      expect([
        weight(model.getLayer('lma_1'), 'running_mean')[0],
        weight(model.getLayer('lma_1'), 'running_std')[0],
      ]).toEqual([0, 1]);
      expect(() => (model.getLayer('lma_1') as LMA).setStatistics(1, 2)).toThrow(
        /setStatistics is for statistics 'recalibrate'/,
      );
      model.dispose();
    });

    it('saves the recalibrated statistics and the mode with the model', async () => {
      const model = twoLayerModel();
      await recalibrateLma(model, rowSet as never, { shape: [1, 2, 1] }, 'flat');
      const loaded = await saveAndLoad(model);
      const restored = loaded.getLayer('lma_2') as LMA;
      expect(restored.statistics).toBe('recalibrate');
      expect(weight(restored, 'running_mean')).toEqual(weight(model.getLayer('lma_2'), 'running_mean'));
      const x = tf.tensor([[0.2, 0.7]]);
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      model.dispose();
      loaded.dispose();
    });
  });
});
