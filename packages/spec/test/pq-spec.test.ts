import { describe, expect, it } from 'vitest';
import {
  expandSweep,
  modelSize,
  modelTensors,
  pqKeptFloat,
  pqTensorIndices,
  pqTensorLayout,
  quantizeWarnings,
  SweepSpec,
} from '../src/index.ts';

const mnist = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const sweep = (quantize: unknown[], model: unknown = { family: 'mlp', hidden: [16], activation: 'relu' }) =>
  SweepSpec.safeParse({
    name: 'pq',
    dataset: { name: 'mnist' },
    teacher: {
      model: { family: 'mlp', hidden: [32], activation: 'relu' },
      train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    },
    students: { model, train: { epochs: 3, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } } },
    quantize,
    seeds: [1, 2],
  });

function plan(quantize: unknown[], model?: unknown) {
  const parsed = sweep(quantize, model);
  if (!parsed.success) throw new Error(parsed.error.message);
  return expandSweep(parsed.data);
}

describe('iPQ in the quantize spec', () => {
  it('accepts the documented shape, resolves the defaults and trains from the teacher as a quantize-qat run', () => {
    const runs = plan([{ method: 'pq', blockSize: 8, centroids: 64, noise: 0.1 }, { method: 'pq' }]);
    const pq = runs.filter((r) => r.config.quantize?.method === 'pq');
    expect(pq.map((r) => [r.key, r.kind, r.parentKey])).toEqual([
      ['s0.seed1.q0', 'quantize-qat', 'teacher'],
      ['s0.seed1.q1', 'quantize-qat', 'teacher'],
      ['s0.seed2.q0', 'quantize-qat', 'teacher'],
      ['s0.seed2.q1', 'quantize-qat', 'teacher'],
    ]);
    expect(pq[0]?.config.quantize).toEqual({
      method: 'pq',
      blockSize: 8,
      centroids: 64,
      noise: 0.1,
      finetuneEpochs: 1,
      keepFloat: 'all-but-kernels',
    });
    expect(pq[1]?.config.quantize).toMatchObject({ blockSize: 8, centroids: 256, noise: 0.1, finetuneEpochs: 1 });
    expect(pq[0]?.label).toMatch(/^mlp 16 relu · seed 1 · pq k=64 bs=8 noise=0\.1 · \d+(\.\d)?% of values quantized$/);
    // Replicates share a group; the two variants do not.
    expect(pq[0]?.group).toBe(pq[2]?.group);
    expect(pq[0]?.group).not.toBe(pq[1]?.group);
  });

  it('predicts assignments + float16 codebooks + float tensors, computed by hand for an MLP 784-16-10', () => {
    const [run] = plan([{ method: 'pq', blockSize: 8, centroids: 64, noise: 0.1 }]).filter((r) => r.config.quantize);
    // dense_1/kernel [784, 16]: 98·16 = 1568 blocks, 64 centroids: 1568·6 bits = 1176 bytes + 64·8·2 = 1024 bytes.
    // dense_2/kernel [16, 10]: 2·10 = 20 blocks, so 20 centroids: ⌈20·5/8⌉ = 13 bytes + 20·8·2 = 320 bytes.
    // Float: biases 16 + 10 values, 104 bytes.
    expect(run?.size).toMatchObject({
      codeBytes: 1176 + 13,
      headerBytes: 1024 + 320,
      floatBytes: 104,
      bytes: 1176 + 13 + 1024 + 320 + 104,
      quantizedValues: 784 * 16 + 160,
      bits: 6,
    });
    expect(pqTensorLayout([16, 10], 8, 64)).toEqual({
      rows: 16,
      columns: 10,
      blockSize: 8,
      blocks: 20,
      centroids: 20,
      bits: 5,
    });
  });

  it('leaves float the kernels whose rows the block size does not divide, and warns about them', () => {
    const cnn = { family: 'cnn', channels: [4], dense: [16], activation: 'relu' };
    const tensors = modelTensors({ family: 'cnn', channels: [4], dense: [16], activation: 'relu' }, mnist);
    const layout = { method: 'pq' as const, blockSize: 8, centroids: 16, keepFloat: 'all-but-kernels' as const };
    expect([...pqTensorIndices(tensors, layout)].map((i) => tensors[i]?.name)).toEqual([
      'dense_1/kernel',
      'dense_2/kernel',
    ]);
    expect(pqKeptFloat(tensors, layout)).toEqual(['conv2d_1/kernel']);
    expect(modelSize(tensors, layout).floatBytes).toBe((3 * 3 * 1 * 4 + 4 + 16 + 10) * 4);
    const warnings = quantizeWarnings(plan([{ method: 'pq', blockSize: 8, centroids: 16 }], cnn));
    expect(warnings.map((w) => [w.code, w.runKeys])).toEqual([
      ['PQ_KERNELS_KEPT_FLOAT', ['s0.seed1.q0', 's0.seed2.q0']],
    ]);
    expect(warnings[0]?.message).toContain('blockSize 8 does not divide the rows of conv2d_1/kernel');
    // A keepFloat rule that keeps that layer float anyway: nothing to warn about.
    expect(
      quantizeWarnings(
        plan([{ method: 'pq', blockSize: 8, centroids: 16, keepFloat: { layers: ['conv2d_1'] } }], cnn),
      ).filter((w) => w.code === 'PQ_KERNELS_KEPT_FLOAT'),
    ).toEqual([]);
  });

  it('refuses codebooks that are not powers of two, a noise of 1, and uniform fields, naming the field', () => {
    const cases: [unknown, (string | number)[]][] = [
      [{ method: 'pq', centroids: 100 }, ['quantize', 0, 'centroids']],
      [{ method: 'pq', noise: 1 }, ['quantize', 0, 'noise']],
      [{ method: 'pq', blockSize: 0 }, ['quantize', 0, 'blockSize']],
      [{ method: 'pq', bits: 4 }, ['quantize', 0]],
    ];
    for (const [q, path] of cases) {
      const parsed = sweep([q]);
      expect(parsed.success, JSON.stringify(q)).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(path);
    }
  });
});
