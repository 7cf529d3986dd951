import { type DatasetSpec, modelSize, prunedTensorIndices, type RunConfig, runModelTensors } from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactSupport, decodeWeights, readModelJson } from '../src/artifact/packed-artifact.ts';
import { executeRun, type RunOutcome } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const data: DatasetSpec = { name: 'synthetic', shape: [8, 8, 1], classes: 3, limit: { train: 300, test: 100 } };
const train = { epochs: 2, batchSize: 32, optimizer: { name: 'adam' as const, lr: 0.01 } };

/** CNN students with BatchNorm and each trainable activation, pruned both ways: conv kernels pruned, BN kept. */
describe('pruning CNN students with every kind of activation', () => {
  let teacher: RunOutcome;

  beforeAll(async () => {
    teacher = await executeRun({
      config: {
        kind: 'teacher',
        dataset: data,
        model: { family: 'mlp', hidden: [16], activation: 'relu' },
        train,
        seed: 5,
        distill: null,
        quantize: null,
      },
    });
  }, 60_000);

  const activations = ['relu', 'prelu', 'swish', { name: 'aplu', segments: 2 }, { name: 'lma', segments: 4 }] as const;
  for (const activation of activations) {
    it(`prunes a ${JSON.stringify(activation)} CNN's conv and dense kernels to the target and packs the predicted bytes`, async () => {
      const student: RunConfig = {
        kind: 'student',
        dataset: data,
        model: { family: 'cnn', channels: [4, 8], dense: [8], activation, batchNorm: true },
        train,
        seed: 6,
        distill: { temperature: 2, alpha: 0.7 },
        quantize: null,
      };
      const trained = await executeRun({ config: student, parent: teacher.artifact });
      const tensors = runModelTensors(student.model, { shape: [8, 8, 1], classes: 3 });
      const pool = prunedTensorIndices(tensors);
      expect(pool.map((i) => tensors[i]?.name)).toEqual([
        'conv2d_1/kernel',
        'conv2d_2/kernel',
        'dense_1/kernel',
        'dense_2/kernel',
      ]);
      for (const method of ['magnitude', 'surp'] as const) {
        const prune =
          method === 'surp'
            ? ({ method, sparsity: 0.7, retrainEpochs: 1, rounds: 2, alpha: 10 } as const)
            : ({ method, sparsity: 0.7, retrainEpochs: 1, rounds: 2 } as const);
        const config: RunConfig = { ...student, kind: 'prune', prune };
        const o = await executeRun({ config, parent: trained.artifact, teacher: teacher.artifact });
        const { values } = decodeWeights(o.artifact);
        const poolValues = pool.reduce((n, i) => n + (values[i] as Float32Array).length, 0);
        const zeros = pool.reduce((n, i) => n + (values[i] as Float32Array).filter((v) => v === 0).length, 0);
        if (method === 'magnitude') expect(zeros).toBe(Math.round(poolValues * 0.7));
        else expect(zeros / poolValues).toBeLessThanOrEqual(0.7);
        expect(o.sizeBreakdown.prunedValues).toBe(zeros);
        // BatchNorm and activation parameters are untouched by pruning: stored whole in float32.
        const json = readModelJson(o.artifact);
        for (const w of json.weights) {
          if (!w.name.endsWith('/kernel')) expect(w.encoding).toBe('float32');
        }
        expect(o.sizeBreakdown).toEqual(modelSize(tensors, undefined, artifactSupport(json) ?? undefined));
        expect(o.accuracy).toBeGreaterThan(1 / 3);
      }
    }, 120_000);
  }
});
