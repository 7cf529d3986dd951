import { describe, expect, it } from 'vitest';
import {
  expandSweep,
  type ModelSpec,
  modelSize,
  modelSmhPool,
  modelTensors,
  parameterCount,
  predictRunSize,
  quantizedTensorIndices,
  SweepSpec,
  smhFanoutScale,
  smhMinFraction,
  smhPool,
  toValidationIssues,
} from '../src/index.ts';

const mnist = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const train = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } };

describe('smhPool', () => {
  it('sizes the pool of an MLP 784-512-512-10 at fraction 0.1 as m = 818, k = 40: 65,440 values', () => {
    // N = 784·512 + 512·512 + 512·10 = 668,672; m = ⌈√N⌉ = 818 (817.7…); k = ⌊0.5·0.1·N/818⌋ = ⌊40.87⌋ = 40.
    const spec: ModelSpec = { family: 'mlp', hidden: [512, 512], activation: 'relu', smh: { fraction: 0.1 } };
    const pool = modelSmhPool(spec, mnist);
    expect(pool).toMatchObject({ poolSize: 668_672, m: 818, k: 40, storedValues: 65_440 });
    // Slices back to back in layer order.
    expect(pool?.slices.map((s) => [s.layer, s.offset, s.size])).toEqual([
      ['dense_1', 0, 401_408],
      ['dense_2', 401_408, 262_144],
      ['dense_3', 663_552, 5_120],
    ]);
    // Stored: the pool, 3 learnable scales and the biases 512 + 512 + 10.
    expect(parameterCount(spec, mnist)).toBe(65_440 + 3 + 1_034);
  });

  it('gives no column below 2m/N and one at it', () => {
    const kernels = [{ name: 'dense_1/kernel', shape: [10, 10] }];
    // N = 100, m = 10: k = ⌊0.5·f·100/10⌋ = ⌊5f⌋, 0 below f = 0.2.
    expect(smhMinFraction(smhPool(kernels, 0.5))).toBe(0.2);
    expect(smhPool(kernels, 0.19).k).toBe(0);
    expect(smhPool(kernels, 0.2).k).toBe(1);
  });

  it('scales a dense kernel by 1/√out and a conv kernel by √(2/(kh·kw·out))', () => {
    expect(smhFanoutScale([784, 16])).toBe(0.25);
    expect(smhFanoutScale([3, 3, 4, 8])).toBeCloseTo(1 / 6, 12);
    expect(() => smhFanoutScale([5])).toThrow(/\[in, out\] or \[kh, kw, in, out\]/);
  });
});

describe('modelTensors with smh', () => {
  const cnn: ModelSpec = {
    family: 'cnn',
    channels: [4],
    dense: [16],
    activation: 'relu',
    batchNorm: true,
    smh: { fraction: 0.25 },
  };

  it('lists the pool first, a scale where each kernel was, and every other tensor unchanged', () => {
    // Kernels: conv 3·3·1·4 = 36, dense 14·14·4·16 = 12,544, 16·10 = 160: N = 12,740, m = 113, k = ⌊0.125·N/113⌋ = 14.
    expect(modelTensors(cnn, mnist).map((t) => [t.name, t.shape, t.trainable])).toEqual([
      ['smh_pool_1/left', [113, 14], true],
      ['smh_pool_1/right', [14, 113], true],
      ['conv2d_1/scale', [1], true],
      ['conv2d_1/bias', [4], true],
      ['batch_normalization_1/gamma', [4], true],
      ['batch_normalization_1/beta', [4], true],
      ['dense_1/scale', [1], true],
      ['dense_1/bias', [16], true],
      ['batch_normalization_2/gamma', [16], true],
      ['batch_normalization_2/beta', [16], true],
      ['dense_2/scale', [1], true],
      ['dense_2/bias', [10], true],
      ['batch_normalization_1/moving_mean', [4], false],
      ['batch_normalization_1/moving_variance', [4], false],
      ['batch_normalization_2/moving_mean', [16], false],
      ['batch_normalization_2/moving_variance', [16], false],
    ]);
  });

  it('stores no scales with the constant fan-out factor', () => {
    const names = modelTensors({ ...cnn, smh: { fraction: 0.25, scale: 'fanout' } }, mnist).map((t) => t.name);
    expect(names.filter((n) => n.endsWith('/scale'))).toEqual([]);
    expect(names.slice(0, 3)).toEqual(['smh_pool_1/left', 'smh_pool_1/right', 'conv2d_1/bias']);
  });

  it('quantizes the two pool matrices, not the scales, biases or BatchNorm, with all-but-kernels', () => {
    const tensors = modelTensors(cnn, mnist);
    const names = [...quantizedTensorIndices(tensors)].map((i) => tensors[i]?.name);
    expect(names).toEqual(['smh_pool_1/left', 'smh_pool_1/right']);
    // 4-bit codes of 2·113·14 = 3,164 values: 2·791 bytes; each tensor of 1,582 in 7 buckets of 256 (8 bytes each).
    expect(modelSize(tensors, { bits: 4, bucketSize: 256, keepFloat: 'all-but-kernels' })).toMatchObject({
      codeBytes: 1_582,
      headerBytes: 112,
      floatBytes: (1 + 4 + 8 + 1 + 16 + 32 + 1 + 10 + 40) * 4,
      quantizedValues: 3_164,
    });
  });
});

describe('SweepSpec with smh', () => {
  const sweep = (students: object, extra: object = {}) => ({
    name: 'smh',
    dataset: { name: 'mnist' },
    teacher: { model: { family: 'mlp', hidden: [32], activation: 'relu' }, train },
    students: { train, ...students },
    ...extra,
  });

  it('sweeps model.smh.fraction, labels each point and predicts each size before training', () => {
    const spec = SweepSpec.parse(
      sweep({
        model: { family: 'mlp', hidden: [16, 16], activation: 'relu', smh: { fraction: 0.1 } },
        grid: { 'model.smh.fraction': [0.1, 0.05] },
      }),
    );
    const students = expandSweep(spec).filter((r) => r.kind === 'student');
    expect(students.map((r) => r.label)).toEqual(['smh.fraction=0.1 · seed 0', 'smh.fraction=0.05 · seed 0']);
    expect(students.map((r) => r.config.model)).toMatchObject([
      { smh: { fraction: 0.1, scale: 'var_fanout' } },
      { smh: { fraction: 0.05, scale: 'var_fanout' } },
    ]);
    // N = 784·16 + 16·16 + 16·10 = 12,960, m = 114: k = ⌊648/114⌋ = 5 and ⌊324/114⌋ = 2.
    expect(students.map((r) => r.size.parameters)).toEqual([2 * 114 * 5 + 3 + 42, 2 * 114 * 2 + 3 + 42]);
    expect(students.map((r) => r.size.bytes)).toEqual(students.map((r) => r.size.parameters * 4));
    expect(students[0]?.size).toEqual(predictRunSize(students[0]?.config as never));
  });

  it('gives the default scale and the written-out one the same configuration hash', () => {
    const hashOf = (smh: object) =>
      expandSweep(SweepSpec.parse(sweep({ model: { family: 'mlp', hidden: [8], activation: 'relu', smh } }))).find(
        (r) => r.kind === 'student',
      )?.hash;
    expect(hashOf({ fraction: 0.2 })).toBe(hashOf({ fraction: 0.2, scale: 'var_fanout' }));
    expect(hashOf({ fraction: 0.2 })).not.toBe(hashOf({ fraction: 0.2, scale: 'fanout' }));
  });

  it('keeps the hashes of runs without smh (their configurations gain no key)', () => {
    const spec = SweepSpec.parse({
      name: 'hash',
      dataset: { name: 'mnist' },
      teacher: { model: { family: 'cnn', channels: [4], dense: [], activation: 'relu' }, train },
      students: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train },
      quantize: [{ method: 'ptq', bits: 4 }],
    });
    // Pinned from the expansion before SMH existed.
    expect(expandSweep(spec).map((r) => [r.key, r.hash])).toEqual([
      ['teacher', '099415e7f3a016d681aa182274877e159fdd3d975721ee1eebe6e2f0bf861d97'],
      ['s0.seed0', '8187f0579f9394d5ece8baa33080c6acc01d23d3200d4f33e6ff7d9c9dba1e9e'],
      ['s0.seed0.q0', '9682e9b0edfd3b9c752291c5833e9898b9ce4f280c903e412ddde930a1d284d1'],
    ]);
  });

  it('refuses a fraction that leaves the pool no column, naming the grid value and the smallest fraction', () => {
    const r = SweepSpec.safeParse(
      sweep({
        model: { family: 'mlp', hidden: [16], activation: 'relu', smh: { fraction: 0.1 } },
        grid: { 'model.smh.fraction': [0.1, 0.001] },
      }),
    );
    expect(r.success).toBe(false);
    // N = 784·16 + 16·10 = 12,704, m = 113: at least 226/12,704 = 0.0178.
    expect(toValidationIssues(r.error as never)).toEqual([
      {
        path: 'students.grid["model.smh.fraction"][1]',
        message: expect.stringMatching(/k = .*= 0 .*N = 12704 .*m = 113.*at least 2m\/N = 0\.0178/),
      },
    ]);
  });

  it('refuses a fraction out of (0, 1] at its path', () => {
    const r = SweepSpec.safeParse(
      sweep({ model: { family: 'mlp', hidden: [16], activation: 'relu', smh: { fraction: 1.5 } } }),
    );
    expect(toValidationIssues(r.error as never).map((i) => i.path)).toEqual(['students.model.smh.fraction']);
  });

  it('refuses keepFloat rules that would keep single layers of a shared pool float', () => {
    const r = SweepSpec.safeParse(
      sweep(
        { model: { family: 'mlp', hidden: [16], activation: 'relu', smh: { fraction: 0.1 } } },
        {
          quantize: [
            { method: 'ptq', bits: 4 },
            { method: 'qat', bits: 4, keepFloat: 'first-last-layers' },
          ],
        },
      ),
    );
    expect(toValidationIssues(r.error as never)).toEqual([
      { path: 'quantize[1].keepFloat', message: expect.stringMatching(/one shared pool/) },
    ]);
  });
});
