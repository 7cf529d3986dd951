import {
  type DatasetSpec,
  type EpochMetrics,
  modelSize,
  type PruneRunConfig,
  predictRunSize,
  prunedTensorIndices,
  type RunConfig,
  runModelTensors,
  tensorSize,
} from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureArtifactSize } from '../src/artifact/artifact-size.ts';
import { artifactMasks, artifactSupport, decodeWeights, readModelJson } from '../src/artifact/packed-artifact.ts';
import { executeRun, type RunOutcome, type TrainingCheckpoint } from '../src/index.ts';
import { artifactDigest, decodeCheckpoint } from '../src/train/checkpoint.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 1000, test: 300 }, validation: 0.1 };
const shape = { shape: [28, 28, 1] as [number, number, number], classes: 10 };

const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [32], activation: 'relu' },
  train: { epochs: 3, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } },
  seed: 1,
  distill: null,
  quantize: null,
};
const studentConfig: RunConfig = {
  kind: 'student',
  dataset: mnist,
  model: { family: 'mlp', hidden: [24], activation: 'relu' },
  train: { epochs: 3, batchSize: 64, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 } },
  seed: 2,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};
const magnitudeConfig: RunConfig = {
  ...studentConfig,
  kind: 'prune',
  prune: { method: 'magnitude', sparsity: 0.9, retrainEpochs: 2, rounds: 2 },
};
const surpConfig: RunConfig = {
  ...studentConfig,
  kind: 'prune',
  prune: { method: 'surp', sparsity: 0.9, retrainEpochs: 1, rounds: 2, alpha: 10 },
};
const ptq = { method: 'ptq', bits: 4, bucketSize: 64, keepFloat: 'all-but-kernels' } as const;
const ptqOf = (pruned: PruneRunConfig): RunConfig => ({ ...pruned, kind: 'quantize-ptq', train: null, quantize: ptq });

interface Run {
  outcome: RunOutcome;
  epochs: EpochMetrics[];
  checkpoints: TrainingCheckpoint[];
}

describe('prune runs on a small MNIST slice', () => {
  let teacher: RunOutcome;
  let student: RunOutcome;
  let magnitude: Run;
  let surp: Run;
  let magnitudePtq: RunOutcome;
  let surpPtq: RunOutcome;

  const prune = async (config: RunConfig, resumeFrom?: TrainingCheckpoint): Promise<Run> => {
    const epochs: EpochMetrics[] = [];
    const checkpoints: TrainingCheckpoint[] = [];
    const outcome = await executeRun({
      config,
      parent: student.artifact,
      teacher: teacher.artifact,
      onEpoch: (m) => void epochs.push(m),
      onCheckpoint: async (c) => void checkpoints.push(c),
      ...(resumeFrom ? { resumeFrom } : {}),
    });
    return { outcome, epochs, checkpoints };
  };

  beforeAll(async () => {
    teacher = await executeRun({ config: teacherConfig });
    student = await executeRun({ config: studentConfig, parent: teacher.artifact });
    magnitude = await prune(magnitudeConfig);
    surp = await prune(surpConfig);
    magnitudePtq = await executeRun({ config: ptqOf(magnitudeConfig), parent: magnitude.outcome.artifact });
    surpPtq = await executeRun({ config: ptqOf(surpConfig), parent: surp.outcome.artifact });
    const line = (name: string, o: RunOutcome) => `${name} ${(o.accuracy * 100).toFixed(1)}% ${o.bytes} B`;
    console.log(
      [
        line('student', student),
        line('magnitude 90%', magnitude.outcome),
        line('surp 90%', surp.outcome),
        line('magnitude→ptq4', magnitudePtq),
        line('surp→ptq4', surpPtq),
      ].join(', '),
    );
  }, 240_000);

  const tensors = runModelTensors(studentConfig.model, shape);
  const pool = prunedTensorIndices(tensors);
  const poolValues = pool.reduce((n, i) => n + tensorSize(tensors[i] as (typeof tensors)[number]), 0);

  it('prunes the weight matrices only, to the target, and keeps accuracy well above chance', () => {
    const { values } = decodeWeights(magnitude.outcome.artifact);
    const zeros = pool.reduce((n, i) => n + (values[i] as Float32Array).filter((v) => v === 0).length, 0);
    expect(zeros).toBe(Math.round(poolValues * 0.9));
    // Biases are not pruned: dense_1/bias and dense_2/bias are stored float32 whole.
    const json = readModelJson(magnitude.outcome.artifact);
    expect(json.weights.filter((w) => w.encoding === 'bitmap').map((w) => w.name)).toEqual([
      'dense_1/kernel',
      'dense_2/kernel',
    ]);
    expect(json.weights.filter((w) => w.encoding === 'float32').map((w) => w.name)).toEqual([
      'dense_1/bias',
      'dense_2/bias',
    ]);
    expect(magnitude.outcome.accuracy).toBeGreaterThan(0.5);
    expect(surp.outcome.accuracy).toBeGreaterThan(0.3);
    expect(
      1 - (surp.outcome.sizeBreakdown.prunedValues === 0 ? 1 : surp.outcome.sizeBreakdown.prunedValues / poolValues),
    ).toBeLessThan(0.11);
  });

  it('retrains rounds × retrainEpochs epochs, numbered across rounds, and checkpoints every epoch with its masks', () => {
    expect(magnitude.epochs.map((m) => `${m.epoch}/${m.epochs}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(magnitude.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3, 4]);
    expect(surp.epochs.map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('holds the mask fixed while retraining (pruned weights stay exactly 0) and nests the rounds’ supports', () => {
    const states = magnitude.checkpoints.map((c) =>
      decodeCheckpoint(c, { config: magnitudeConfig, parent: artifactDigest(student.artifact.files), backend: 'wasm' }),
    );
    const kernel = (s: (typeof states)[number]) =>
      s.weights.find((w) => w.name === 'dense_1/kernel')?.values as Float32Array;
    const mask = (s: (typeof states)[number]) =>
      s.masks?.find((m) => m.name === 'dense_1/kernel')?.values as Float32Array;
    for (const s of states) {
      const w = kernel(s);
      mask(s).forEach((kept, i) => {
        if (kept === 0) expect(w[i]).toBe(0);
      });
    }
    // Epochs 1–2 are round 1 (one mask), 3–4 round 2 (a smaller mask inside it).
    expect([...mask(states[0] as never)]).toEqual([...mask(states[1] as never)]);
    const first = mask(states[1] as never);
    const second = mask(states[2] as never);
    expect(second.reduce((a, b) => a + b, 0)).toBeLessThan(first.reduce((a, b) => a + b, 0));
    second.forEach((kept, i) => {
      if (kept) expect(first[i]).toBe(1);
    });
    // The stored artifact has the final round's mask.
    expect([...(artifactMasks(magnitude.outcome.artifact).get(0) as Uint8Array)]).toEqual([
      ...mask(states[3] as never),
    ]);
  });

  it('packs exactly the bytes packages/spec predicts, for magnitude, SuRP and a PTQ of each', () => {
    for (const [o, config] of [
      [magnitude.outcome, magnitudeConfig],
      [surp.outcome, surpConfig],
      [magnitudePtq, ptqOf(magnitudeConfig)],
      [surpPtq, ptqOf(surpConfig)],
    ] as const) {
      const support = artifactSupport(readModelJson(o.artifact)) ?? undefined;
      expect(o.sizeBreakdown).toEqual(measureArtifactSize(o.artifact));
      expect(o.sizeBreakdown).toEqual(modelSize(tensors, config.quantize ?? undefined, support));
      expect(
        o.sizeBreakdown.codeBytes +
          o.sizeBreakdown.headerBytes +
          o.sizeBreakdown.floatBytes +
          o.sizeBreakdown.indexBytes,
      ).toBe(o.bytes);
      expect(o.artifact.files.find((f) => f.name === 'weights.bin')?.data.length).toBe(o.bytes);
    }
    // Magnitude pruning's size is known before the run: bitmaps and the float32 nonzeros.
    const planned = predictRunSize(magnitudeConfig);
    expect(planned.estimated).toBe(false);
    expect(planned.bytes).toBe(magnitude.outcome.bytes);
    expect(magnitude.outcome.sizeBreakdown.indexBytes).toBe(Math.ceil((784 * 24) / 8) + Math.ceil((24 * 10) / 8));
    expect(magnitude.outcome.sizeBreakdown.floatBytes).toBe(
      (poolValues - Math.round(poolValues * 0.9)) * 4 + (24 + 10) * 4,
    );
    expect(predictRunSize(surpConfig).estimated).toBe(true);
    // SuRP's stream is its own rate: the PTQ of it stores a bitmap and 4-bit codes of the same nonzeros instead.
    expect(surp.outcome.sizeBreakdown.floatBytes).toBe((24 + 10) * 4);
    expect(surpPtq.sizeBreakdown.prunedValues).toBe(surp.outcome.sizeBreakdown.prunedValues);
    expect(magnitudePtq.bytes).toBeLessThan(magnitude.outcome.bytes);
  });

  it('quantizes only the survivors of a pruned student: its zeros stay zeros', () => {
    const before = decodeWeights(magnitude.outcome.artifact).values;
    const after = decodeWeights(magnitudePtq.artifact).values;
    for (const i of pool) {
      (before[i] as Float32Array).forEach((v, j) => {
        if (v === 0) expect((after[i] as Float32Array)[j]).toBe(0);
      });
    }
    expect(magnitudePtq.sizeBreakdown.quantizedValues).toBe(poolValues - Math.round(poolValues * 0.9));
    expect(magnitudePtq.accuracy).toBeGreaterThan(0.4);
  });

  it('stops when cancelled between retraining epochs, with an AbortError', async () => {
    const controller = new AbortController();
    const epochs: number[] = [];
    const run = executeRun({
      config: magnitudeConfig,
      parent: student.artifact,
      teacher: teacher.artifact,
      signal: controller.signal,
      onEpoch: (m) => {
        epochs.push(m.epoch);
        if (m.epoch === 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toEqual([1]);
  });

  it('resumes from a checkpoint mid-round and at a round boundary to the same model', async () => {
    for (const k of [1, 2, 3]) {
      const resumed = await prune(magnitudeConfig, magnitude.checkpoints[k - 1]);
      expect(resumed.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4].slice(k));
      expect(resumed.outcome.accuracy).toBe(magnitude.outcome.accuracy);
      const bin = (o: RunOutcome) => o.artifact.files.find((f) => f.name === 'weights.bin')?.data;
      expect(
        Buffer.from(bin(resumed.outcome) as Uint8Array).equals(Buffer.from(bin(magnitude.outcome) as Uint8Array)),
      ).toBe(true);
    }
    const resumedSurp = await prune(surpConfig, surp.checkpoints[0]);
    expect(resumedSurp.outcome.bytes).toBe(surp.outcome.bytes);
    expect(resumedSurp.outcome.accuracy).toBe(surp.outcome.accuracy);
  }, 240_000);
});
