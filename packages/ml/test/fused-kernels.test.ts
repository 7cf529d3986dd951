import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APLU, apluComposed } from '../src/layers/aplu.ts';
import { TrainingBatchNormalization } from '../src/layers/batch-norm.ts';
import { lmaActivation, lmaBatchActivation, lmaComposed } from '../src/layers/lma.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

const randomValues = (n: number, seed: number, scale = 1, shift = 0) => {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => shift + scale * normal(random));
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e)));
  }
  expect(worst).toBeLessThan(tolerance);
}

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

describe('the fused LMA kernels', () => {
  const shape = [16, 6, 6, 5];
  const n = shape.reduce((a, b) => a * b);
  const x = randomValues(n, 1, 1.3, 0.4);
  const dy = randomValues(n, 2);
  const alpha = randomValues(8, 3);
  const beta = randomValues(8, 4, 0.5);

  /** y and the gradients of Σ y·dy w.r.t. x, α, β, with batch statistics or given μ, σ. */
  function lmaGradients(kind: 'fused' | 'composed', stats: 'batch' | 'given') {
    return tf.tidy(() => {
      const f = (xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => {
        if (stats === 'given') {
          const [m, s] = [tf.tensor1d([0.35]), tf.tensor1d([1.2])];
          return kind === 'fused' ? lmaActivation(xs, a, b, m, s) : lmaComposed.activation(xs, a, b, m, s, 1e-5);
        }
        const out = kind === 'fused' ? lmaBatchActivation(xs, a, b) : lmaComposed.batchActivation(xs, a, b, 1e-5);
        return out.value;
      };
      const y = f(tf.tensor(x, shape), tf.tensor(alpha), tf.tensor(beta));
      const grads = tf.grads((xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
        f(xs, a, b).mul(tf.tensor(dy, shape)).sum(),
      )([tf.tensor(x, shape), tf.tensor(alpha), tf.tensor(beta)]);
      return values([y, ...grads]);
    });
  }

  for (const stats of ['batch', 'given'] as const) {
    it(`match the composed tfjs ops (value and gradients w.r.t. x, α, β) with ${stats} statistics`, () => {
      const fused = lmaGradients('fused', stats);
      const composed = lmaGradients('composed', stats);
      fused.forEach((v, i) => {
        expectClose(v, composed[i] as number[], 1e-4);
      });
    });
  }

  it('return the batch μ and σ the composed ops compute', () => {
    tf.tidy(() => {
      const a = lmaBatchActivation(tf.tensor(x, shape), tf.tensor(alpha), tf.tensor(beta));
      const b = lmaComposed.batchActivation(tf.tensor(x, shape), tf.tensor(alpha), tf.tensor(beta), 1e-5);
      expectClose([...a.mean.dataSync(), ...a.std.dataSync()], [...b.mean.dataSync(), ...b.std.dataSync()], 1e-5);
      tf.dispose([a.mean, a.std, b.mean, b.std]);
    });
  });

  it('give the same numbers on the wasm and cpu backends', async () => {
    const wasm = lmaGradients('fused', 'batch');
    await tf.setBackend('cpu');
    const cpu = lmaGradients('fused', 'batch');
    await useWasm();
    expect(cpu).toEqual(wasm);
  });
});

describe('the fused BatchNorm training step', () => {
  /** Outputs, updated moving statistics and gradients (of Σ y·dy w.r.t. x, γ, β) of a BatchNorm layer. */
  function batchNormStep(fused: boolean, shape: number[]) {
    const channels = shape.at(-1) as number;
    const n = shape.reduce((a, b) => a * b);
    const args = { momentum: 0.9, epsilon: 1e-5 };
    const layer = fused ? new TrainingBatchNormalization(args) : tf.layers.batchNormalization(args);
    layer.build(shape);
    const [gamma, beta, movingMean, movingVariance] = layer.weights;
    tf.tidy(() => {
      gamma?.write(tf.tensor(randomValues(channels, 5, 0.3, 1)));
      beta?.write(tf.tensor(randomValues(channels, 6, 0.3)));
      movingMean?.write(tf.tensor(randomValues(channels, 7, 0.1)));
      movingVariance?.write(tf.tensor(randomValues(channels, 8, 0.1, 1)));
    });
    const x = tf.tensor(randomValues(n, 9, 2, 0.7), shape);
    const dy = tf.tensor(randomValues(n, 10), shape);
    const variables = [gamma?.read(), beta?.read()] as tf.Variable[];
    const result = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => (layer.apply(x, { training: true }) as tf.Tensor).mul(dy).sum() as tf.Scalar,
        variables,
      );
      const dx = tf.grad((xs: tf.Tensor) => (layer.apply(xs, { training: true }) as tf.Tensor).mul(dy).sum())(x);
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      return values([y, value, dx, ...variables.map((v) => grads[v.name] as tf.Tensor)]);
    });
    const moving = values([movingMean?.read() as tf.Tensor, movingVariance?.read() as tf.Tensor]);
    tf.dispose([x, dy]);
    for (const w of layer.weights) w.dispose();
    return { result, moving };
  }

  for (const shape of [
    [32, 7],
    [8, 5, 5, 6],
  ]) {
    for (const backend of ['wasm', 'cpu']) {
      it(`matches tfjs-layers' BatchNormalization on ${backend} for input ${shape} (output, moving statistics, gradients)`, async () => {
        await tf.setBackend(backend);
        const fused = batchNormStep(true, shape);
        const stock = batchNormStep(false, shape);
        await useWasm();
        fused.result.forEach((v, i) => {
          expectClose(v, stock.result[i] as number[], 2e-4);
        });
        fused.moving.forEach((v, i) => {
          expectClose(v, stock.moving[i] as number[], 1e-5);
        });
      });
    }
  }

  it('serialises under the stock class name, so saved models load as tfjs-layers BatchNormalization', () => {
    const layer = new TrainingBatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    expect(layer.getClassName()).toBe('BatchNormalization');
    expect(layer.getConfig()).toEqual(
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: layer.name }).getConfig(),
    );
  });
});

describe('the fused APLU kernels', () => {
  const shape = [6, 4, 4, 5];
  const n = shape.reduce((a, b) => a * b);
  const x = randomValues(n, 21, 1.2);
  const dy = randomValues(n, 22);
  const alpha = randomValues(6 * 5, 23, 0.5);
  const offset = randomValues(6 * 5, 24, 0.7);

  function apluGradients(fused: boolean) {
    return tf.tidy(() => {
      const layer = new APLU({ hinges: 6 });
      layer.build(shape);
      const [a, b] = layer.weights;
      a?.write(tf.tensor(alpha, [6, 5]));
      b?.write(tf.tensor(offset, [6, 5]));
      const f = (xs: tf.Tensor, al: tf.Tensor, off: tf.Tensor) =>
        fused ? (layer.apply(xs) as tf.Tensor) : apluComposed(xs, al, off);
      const args = [tf.tensor(x, shape), tf.tensor(alpha, [6, 5]), tf.tensor(offset, [6, 5])];
      const y = f(...(args as [tf.Tensor, tf.Tensor, tf.Tensor]));
      const out = values([y]);
      if (!fused) {
        const grads = tf.grads((xs: tf.Tensor, al: tf.Tensor, off: tf.Tensor) =>
          apluComposed(xs, al, off).mul(tf.tensor(dy, shape)).sum(),
        )(args);
        return [...out, ...values(grads)];
      }
      const dx = tf.grad((xs: tf.Tensor) => (layer.apply(xs) as tf.Tensor).mul(tf.tensor(dy, shape)).sum())(
        args[0] as tf.Tensor,
      );
      const [va, vb] = [a?.read(), b?.read()] as [tf.Variable, tf.Variable];
      const { grads } = tf.variableGrads(
        () => (layer.apply(args[0] as tf.Tensor) as tf.Tensor).mul(tf.tensor(dy, shape)).sum() as tf.Scalar,
        [va, vb],
      );
      const r = [...out, ...values([dx, grads[va.name] as tf.Tensor, grads[vb.name] as tf.Tensor])];
      for (const w of layer.weights) w.dispose();
      return r;
    });
  }

  it('match the composed tfjs ops (value and gradients w.r.t. x, slopes and hinge offsets)', () => {
    const fused = apluGradients(true);
    const composed = apluGradients(false);
    expect(fused).toHaveLength(4);
    fused.forEach((v, i) => {
      expectClose(v, composed[i] as number[], 1e-4);
    });
  });
});
