import type { ModelSpec, TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/load-dataset.ts';
import { selectRunData } from '../src/data/run-data.ts';
import { buildModel } from '../src/index.ts';
import { lmaInitialSlopes } from '../src/layers/lma.ts';
import { trainingStep } from '../src/train/train-model.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const dataset = { name: 'mnist', limit: { train: 64, test: 10 } } as const;
const spec: ModelSpec = { family: 'mlp', hidden: [6], activation: { name: 'lma', segments: 4 }, batchNorm: true };
const LR = 0.1;
const WD = 0.5;
/** Slopes moved off their ReLU-like start [0, 0, 1, 1], so decay towards the start is visible. */
const SLOPES = [0.5, -0.25, 2, 1];

/** The weights after one plain-SGD step on the same 64 rows, from the same initial weights. */
async function afterOneStep(weightDecayOn: 'kernels' | 'all'): Promise<Map<string, Float32Array>> {
  const data = selectRunData(loadDataset(dataset), dataset);
  const model = buildModel(spec, data.dataset, 1);
  const alpha = model.weights.find((w) => w.originalName === 'lma_1/alpha');
  tf.tidy(() => {
    alpha?.write(tf.tensor1d(SLOPES));
  });
  const train: TrainSpec = {
    epochs: 1,
    batchSize: 64,
    optimizer: { name: 'sgd', lr: LR, weightDecay: WD, weightDecayOn },
  };
  const step = trainingStep({ model, data, layout: 'flat', train, distill: null, teacherLogits: null, qat: null });
  await step.run(
    Int32Array.from({ length: 64 }, (_, i) => i),
    0,
    64,
    LR,
  );
  step.dispose();
  const out = new Map(model.weights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync())]));
  model.dispose();
  return out;
}

describe('optimizer.weightDecayOn', () => {
  it("'kernels' (the default) decays the kernels only; 'all' also every other trainable tensor", async () => {
    const kernels = await afterOneStep('kernels');
    const all = await afterOneStep('all');
    // Same start, same batch, same gradient: the two differ by the extra decay −lr·wd·(w − start) alone.
    expect(all.get('dense_1/kernel')).toEqual(kernels.get('dense_1/kernel'));
    expect(all.get('dense_2/kernel')).toEqual(kernels.get('dense_2/kernel'));
    // BatchNorm γ starts at 1: one more step of −lr·wd·1 = −0.05 (by hand).
    const gammaK = kernels.get('batch_normalization_1/gamma') as Float32Array;
    const gammaA = all.get('batch_normalization_1/gamma') as Float32Array;
    gammaA.forEach((g, i) => {
      expect(g - (gammaK[i] as number)).toBeCloseTo(-LR * WD * 1, 5);
    });
    // LMA's slopes decay towards their ReLU-like start, not towards 0: −lr·wd·(α − start), by hand.
    const start = lmaInitialSlopes(4);
    const alphaK = kernels.get('lma_1/alpha') as Float32Array;
    const alphaA = all.get('lma_1/alpha') as Float32Array;
    SLOPES.forEach((a, j) => {
      expect((alphaA[j] as number) - (alphaK[j] as number)).toBeCloseTo(-LR * WD * (a - (start[j] as number)), 5);
    });
    // Non-trainable statistics are never decayed.
    expect(all.get('lma_1/running_std')).toEqual(kernels.get('lma_1/running_std'));
  });
});
