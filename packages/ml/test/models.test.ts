import { ACTIVATION_NAMES, type ActivationSpec, type ModelSpec, modelTensors } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const activations: ActivationSpec[] = [
  ...ACTIVATION_NAMES.map(
    (name): ActivationSpec => (name === 'aplu' || name === 'lma' ? { name, segments: name === 'aplu' ? 5 : 8 } : name),
  ),
  // The options that change the tensors (or their initial values): the official code's baselines, LMA's modes.
  { name: 'prelu', slopes: 'layer' },
  { name: 'swish', beta: 'unit' },
  { name: 'aplu', segments: 4, init: 'random' },
  { name: 'lma', segments: 4, statistics: 'bias-corrected' },
  { name: 'lma', segments: 4, statistics: 'recalibrate' },
];
const data = { shape: [12, 10, 2] as [number, number, number], classes: 7 };

const families = (activation: ActivationSpec, batchNorm: boolean): ModelSpec[] => [
  { family: 'mlp', hidden: [9, 6], activation, batchNorm },
  { family: 'cnn', channels: [3, 4], convsPerBlock: 2, dense: [5], kernel: 3, activation, batchNorm },
  { family: 'cnn', channels: [2], dense: [], kernel: 5, activation, batchNorm },
  // Structured Multi-Hashing: the same layers, every kernel a slice of one pool.
  { family: 'mlp', hidden: [9, 6], activation, batchNorm, smh: { fraction: 0.5 } },
  { family: 'cnn', channels: [3, 4], convsPerBlock: 2, dense: [5], activation, batchNorm, smh: { fraction: 0.5 } },
  {
    family: 'cnn',
    channels: [2],
    dense: [],
    kernel: 5,
    activation,
    batchNorm,
    smh: { fraction: 0.3, scale: 'fanout' },
  },
];

describe('buildModel', () => {
  for (const activation of activations) {
    for (const batchNorm of [false, true]) {
      for (const spec of families(activation, batchNorm)) {
        const label = `${spec.family} ${JSON.stringify(activation)}${batchNorm ? ' + BatchNorm' : ''}${spec.family === 'cnn' ? ` ${spec.channels}/${spec.dense}` : ''}${spec.smh ? ` smh ${JSON.stringify(spec.smh)}` : ''}`;
        it(`builds ${label} with exactly the weights modelTensors lists, in order`, () => {
          const model = buildModel(spec, data, 3);
          const got = model.weights.map((w) => ({ name: w.originalName, shape: w.shape, trainable: w.trainable }));
          expect(got).toEqual(modelTensors(spec, data));
          const y = tf.tidy(() => {
            const x = tf.zeros(spec.family === 'mlp' ? [2, 240] : [2, ...data.shape]);
            return (model.apply(x, { training: true }) as tf.Tensor).shape;
          });
          expect(y).toEqual([2, 7]);
          model.dispose();
        });
      }
    }
  }

  it('draws the same initial weights from the same seed and different ones from another', () => {
    const spec: ModelSpec = { family: 'mlp', hidden: [4], activation: 'relu' };
    const weights = (seed: number) => {
      const m = buildModel(spec, data, seed);
      const w = Array.from(m.weights[0]?.read().dataSync() ?? []);
      m.dispose();
      return w;
    };
    expect(weights(1)).toEqual(weights(1));
    expect(weights(1)).not.toEqual(weights(2));
  });

  it('seeds a random APLU initialisation from the run seed and the layer, like the kernels', () => {
    const spec: ModelSpec = {
      family: 'mlp',
      hidden: [4, 4],
      activation: { name: 'aplu', segments: 4, init: 'random' },
    };
    const slopes = (seed: number) => {
      const m = buildModel(spec, data, seed);
      const of = (name: string) =>
        Array.from(
          m.weights
            .find((w) => w.originalName === name)
            ?.read()
            .dataSync() ?? [],
        );
      const v = [of('aplu_1/alpha'), of('aplu_2/alpha')];
      m.dispose();
      return v;
    };
    const [first, second] = slopes(1);
    expect(first).toHaveLength(8);
    expect(slopes(1)).toEqual([first, second]);
    expect(first).not.toEqual(second);
    expect(slopes(2)[0]).not.toEqual(first);
  });
});
