import {
  type DatasetSpec,
  modelSize,
  pqKeptFloat,
  pqTensorLayout,
  type RunConfig,
  runModelTensors,
  type TrainSpec,
} from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights } from '../src/artifact/packed-artifact.ts';
import { executeRun, type ModelArtifact, type RunOutcome, type TrainingCheckpoint } from '../src/index.ts';
import { kernelBlocks } from '../src/quantize/pq-blocks.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 1500, test: 400 }, validation: 0.1 };
const adam: TrainSpec = { epochs: 3, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } };
const shape = { shape: [28, 28, 1] as [number, number, number], classes: 10 };

const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [64], activation: 'relu' },
  train: { ...adam, epochs: 2 },
  seed: 1,
  distill: null,
  quantize: null,
};
const mlpPq: RunConfig = {
  kind: 'quantize-qat',
  dataset: mnist,
  model: { family: 'mlp', hidden: [16], activation: { name: 'lma', segments: 8 }, batchNorm: true },
  train: adam,
  seed: 2,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: { method: 'pq', blockSize: 8, centroids: 32, noise: 0.1, finetuneEpochs: 2, keepFloat: 'all-but-kernels' },
};
const cnnPq: RunConfig = {
  ...mlpPq,
  model: { family: 'cnn', channels: [4, 8], dense: [16], activation: 'prelu', batchNorm: true },
  quantize: { method: 'pq', blockSize: 4, centroids: 16, noise: 0.2, finetuneEpochs: 1, keepFloat: 'all-but-kernels' },
};

let teacher: RunOutcome;
beforeAll(async () => {
  teacher = await executeRun({ config: teacherConfig });
});

/** Every product-quantized kernel of an artifact holds at most its codebook's number of distinct blocks. */
function expectCodebooks(artifact: ModelArtifact): string[] {
  const { json, values } = decodeWeights(artifact);
  const names: string[] = [];
  json.weights.forEach((w, i) => {
    if (w.encoding !== 'pq') return;
    names.push(w.name);
    const l = pqTensorLayout(w.shape, w.blockSize as number, w.centroids as number);
    const blocks = kernelBlocks(values[i] as Float32Array, l);
    const distinct = new Set<string>();
    for (let b = 0; b < l.blocks; b++) distinct.add(blocks.subarray(b * l.blockSize, (b + 1) * l.blockSize).join());
    expect(distinct.size).toBeLessThanOrEqual(l.centroids);
    expect(distinct.size).toBeGreaterThan(1);
  });
  return names;
}

describe('iPQ runs', () => {
  it('distills an MLP (BatchNorm, LMA) to PQ kernels whose packed bytes are the predicted ones', async () => {
    const before = tf.memory().numTensors;
    const run = await executeRun({ config: mlpPq, parent: teacher.artifact });
    expect(tf.memory().numTensors).toBe(before);
    const tensors = runModelTensors(mlpPq.model, shape);
    expect(run.sizeBreakdown).toEqual(modelSize(tensors, mlpPq.quantize ?? undefined));
    expect(run.bits).toBe(5);
    expect(expectCodebooks(run.artifact)).toEqual(['dense_1/kernel', 'dense_2/kernel']);
    // dense_2/kernel [16, 10] has 20 blocks of 8: its codebook has 20 entries, not 32.
    expect(decodeWeights(run.artifact).json.weights.find((w) => w.name === 'dense_2/kernel')?.centroids).toBe(20);
    expect(run.accuracy).toBeGreaterThan(0.5);
    // The fused MLP step does not implement the proxy noise or the codebook projection: the reference one trains.
    expect(run.trainPath).toBe('reference');
  });

  it('distills a CNN (BatchNorm, PReLU), keeping float the kernel whose rows the block size does not divide', async () => {
    const run = await executeRun({ config: cnnPq, parent: teacher.artifact });
    const tensors = runModelTensors(cnnPq.model, shape);
    expect(run.sizeBreakdown).toEqual(modelSize(tensors, cnnPq.quantize ?? undefined));
    // conv2d_1/kernel [3, 3, 1, 4] has 9 rows: no whole blocks of 4.
    expect(pqKeptFloat(tensors, { blockSize: 4, keepFloat: 'all-but-kernels' })).toEqual(['conv2d_1/kernel']);
    expect(expectCodebooks(run.artifact)).toEqual(['conv2d_2/kernel', 'dense_1/kernel', 'dense_2/kernel']);
    expect(run.accuracy).toBeGreaterThan(0.3);
  });

  it('resumes before and after the k-means epoch to the same bytes as the uninterrupted run', async () => {
    const checkpoints: TrainingCheckpoint[] = [];
    const full = await executeRun({
      config: mlpPq,
      parent: teacher.artifact,
      onCheckpoint: async (c) => void checkpoints.push({ epoch: c.epoch, files: c.files.map((f) => ({ ...f })) }),
    });
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const bytes = (o: RunOutcome) => o.artifact.files.map((f) => Buffer.from(f.data).toString('base64'));
    // Epoch 1 ended in the proxy-noise phase; k-means ran at the start of epoch 2, whose checkpoint has assignments.
    for (const c of checkpoints.slice(0, 2)) {
      const resumed = await executeRun({ config: mlpPq, parent: teacher.artifact, resumeFrom: c });
      expect(bytes(resumed)).toEqual(bytes(full));
    }
  });
});
