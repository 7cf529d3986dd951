import type { DatasetSpec, EpochMetrics, RunConfig, StudentRunConfig } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePack, executeRun, initBackend, type RunOutcome } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

// The cpu backend has no fused step: a pack's members train with the reference step, in the same loop.
beforeAll(async () => {
  await initBackend('cpu', () => {});
});
// Back to the backend the other files of this test process expect.
afterAll(useWasm);

const dataset: DatasetSpec = {
  name: 'synthetic',
  shape: [8, 8, 1],
  classes: 3,
  limit: { train: 96, test: 48 },
  validation: 0.25,
};
const student: StudentRunConfig = {
  kind: 'student',
  dataset,
  model: { family: 'mlp', hidden: [8], activation: 'relu', batchNorm: true },
  train: { epochs: 2, batchSize: 24, optimizer: { name: 'adam', lr: 0.01 } },
  seed: 1,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};
const measured = ({ seconds: _, ...m }: EpochMetrics) => m;

describe('executePack on the cpu backend', () => {
  it('trains each member with the reference step to its solo result, stopping only the aborted one', async () => {
    const teacher = await executeRun({
      config: {
        ...student,
        kind: 'teacher',
        model: { family: 'mlp', hidden: [16], activation: 'relu' },
        distill: null,
      },
    });
    const configs: RunConfig[] = [student, { ...student, seed: 2, distill: { temperature: 4, alpha: 0.5 } }, student];
    const soloEpochs: EpochMetrics[][] = [];
    const solo: RunOutcome[] = [];
    for (const config of configs.slice(0, 2)) {
      const epochs: EpochMetrics[] = [];
      solo.push(await executeRun({ config, parent: teacher.artifact, onEpoch: (m) => void epochs.push(m) }));
      soloEpochs.push(epochs);
    }
    const before = tf.memory().numTensors;
    const packedEpochs: EpochMetrics[][] = [[], [], []];
    const stop = new AbortController();
    const settled = await Promise.allSettled(
      executePack(
        configs.map((config, i) => ({
          config,
          parent: teacher.artifact,
          onEpoch: (m: EpochMetrics) => void packedEpochs[i]?.push(m),
          ...(i === 2 ? { signal: stop.signal, onBatch: () => stop.abort() } : {}),
        })),
        { sliceMs: 0 },
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect((settled[2] as PromiseRejectedResult).reason.name).toBe('AbortError');
    for (const i of [0, 1]) {
      const outcome = (settled[i] as PromiseFulfilledResult<RunOutcome>).value;
      expect(outcome.trainPath).toBe('reference');
      expect(outcome.backend).toBe('cpu');
      expect(Math.abs(outcome.accuracy - (solo[i] as RunOutcome).accuracy)).toBeLessThanOrEqual(0.001);
      packedEpochs[i]?.forEach((m, e) => {
        const want = measured(soloEpochs[i]?.[e] as EpochMetrics);
        expect(m.trainLoss).toBeCloseTo(want.trainLoss, 5);
        expect(m.valAccuracy).toBeCloseTo(want.valAccuracy as number, 5);
      });
      expect(packedEpochs[i]?.length).toBe(2);
    }
  });
});
