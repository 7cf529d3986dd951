import { describe, expect, it } from 'vitest';
import {
  expandSweep,
  type KeepFloat,
  modelSize,
  modelTensors,
  packedTensorBytes,
  quantizedTensorIndices,
  quantizeWarnings,
  SweepSpec,
  type TensorInfo,
} from '../src/index.ts';

const mnist = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const mlp = modelTensors({ family: 'mlp', hidden: [16, 8], activation: 'prelu', batchNorm: true }, mnist);
const cnn = modelTensors(
  { family: 'cnn', channels: [4, 8], dense: [16], activation: { name: 'lma', segments: 4 }, batchNorm: true },
  mnist,
);

const quantizedNames = (tensors: TensorInfo[], keepFloat: KeepFloat) =>
  [...quantizedTensorIndices(tensors, keepFloat)].map((i) => tensors[i]?.name);

describe('quantizedTensorIndices', () => {
  it('quantizes every kernel and nothing else by default (all-but-kernels)', () => {
    expect(quantizedNames(mlp, 'all-but-kernels')).toEqual(['dense_1/kernel', 'dense_2/kernel', 'dense_3/kernel']);
    expect(quantizedNames(cnn, 'all-but-kernels')).toEqual([
      'conv2d_1/kernel',
      'conv2d_2/kernel',
      'dense_1/kernel',
      'dense_2/kernel',
    ]);
    expect(quantizedTensorIndices(mlp)).toEqual(quantizedTensorIndices(mlp, 'all-but-kernels'));
  });

  it('quantizes every trainable tensor with none, but never the moving statistics', () => {
    const names = quantizedNames(mlp, 'none');
    expect(names).toEqual(mlp.filter((t) => t.trainable).map((t) => t.name));
    expect(names).not.toContain('batch_normalization_1/moving_mean');
  });

  it('keeps the first and last layers (kernel and bias) float with first-last-layers', () => {
    expect(quantizedNames(mlp, 'first-last-layers')).toEqual(['dense_2/kernel']);
    // In a CNN the first layer is the first conv and the last the classifier, whose kernel stays float.
    expect(quantizedNames(cnn, 'first-last-layers')).toEqual(['conv2d_2/kernel', 'dense_1/kernel']);
  });

  it('keeps the legacy first-last meaning: the first and last trainable tensors', () => {
    const trainable = cnn.filter((t) => t.trainable).map((t) => t.name);
    expect(quantizedNames(cnn, 'first-last')).toEqual(trainable.slice(1, -1));
    // The classifier's kernel is quantized and its bias kept: what stored runs were packed with.
    expect(quantizedNames(cnn, 'first-last')).toContain('dense_2/kernel');
    expect(quantizedNames(cnn, 'first-last')).not.toContain('dense_2/bias');
    expect(quantizedNames(mlp, 'first-last')).not.toContain('dense_1/kernel');
  });

  it('keeps the listed layers float and quantizes the other kernels', () => {
    expect(quantizedNames(mlp, { layers: ['dense_1'] })).toEqual(['dense_2/kernel', 'dense_3/kernel']);
    expect(quantizedNames(cnn, { layers: ['conv2d_1', 'dense_2'] })).toEqual(['conv2d_2/kernel', 'dense_1/kernel']);
  });
});

describe('modelSize', () => {
  const rules: KeepFloat[] = ['all-but-kernels', 'none', 'first-last-layers', 'first-last', { layers: ['dense_2'] }];
  for (const keepFloat of rules) {
    it(`splits the bytes into codes, bucket headers and float tensors that sum to the bytes (${JSON.stringify(keepFloat)})`, () => {
      for (const tensors of [mlp, cnn]) {
        const s = modelSize(tensors, { bits: 4, bucketSize: 64, keepFloat });
        expect(s.codeBytes + s.headerBytes + s.floatBytes).toBe(s.bytes);
        const quantized = quantizedTensorIndices(tensors, keepFloat);
        const packed = tensors.reduce(
          (n, t, i) =>
            n +
            (quantized.has(i)
              ? packedTensorBytes(
                  t.shape.reduce((a, b) => a * b, 1),
                  4,
                  64,
                )
              : 0),
          0,
        );
        expect(s.codeBytes + s.headerBytes).toBe(packed);
        const values = tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
        expect(s.quantizedFraction).toBeCloseTo(s.quantizedValues / values, 12);
      }
    });
  }

  it('is all float, nothing quantized, without a layout', () => {
    const s = modelSize(mlp);
    expect(s).toMatchObject({ codeBytes: 0, headerBytes: 0, quantizedValues: 0, quantizedFraction: 0 });
    expect(s.floatBytes).toBe(s.bytes);
  });
});

const quickstart = (keepFloat?: KeepFloat) =>
  SweepSpec.parse({
    name: 'quickstart',
    dataset: { name: 'mnist', limit: { train: 6000, test: 1000 }, validation: 0.1 },
    teacher: {
      model: { family: 'mlp', hidden: [128], activation: 'relu' },
      train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    },
    students: {
      model: { family: 'mlp', hidden: [16], activation: 'relu', batchNorm: true },
      train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
      grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }] },
    },
    quantize: [{ method: 'ptq', bits: 8, ...(keepFloat ? { keepFloat } : {}) }],
    seeds: [1],
  });

describe('the quickstart sweep', () => {
  it('plans its 8-bit students at least 3.5 times smaller than their float students by default', () => {
    const runs = expandSweep(quickstart());
    const ptq = runs.filter((r) => r.kind === 'quantize-ptq');
    expect(ptq).toHaveLength(2);
    for (const q of ptq) {
      const student = runs.find((r) => r.key === q.parentKey);
      expect((student?.size.bytes as number) / q.size.bytes).toBeGreaterThanOrEqual(3.5);
      expect(q.size.quantizedFraction).toBeGreaterThan(0.97);
    }
  });

  it('labels each variant with the share of values it quantizes', () => {
    const q = expandSweep(quickstart()).find((r) => r.kind === 'quantize-ptq');
    expect(q?.label).toBe('activation=relu · seed 1 · ptq 8-bit · 99.2% of values quantized');
    const legacy = expandSweep(quickstart('first-last')).find((r) => r.kind === 'quantize-ptq');
    expect(legacy?.label).toBe('activation=relu · seed 1 · ptq 8-bit keepFloat=first-last · 2% of values quantized');
  });

  it('warns that the legacy first-last barely shrinks an MLP, naming the variant and the sizes', () => {
    const runs = expandSweep(quickstart('first-last'));
    const warnings = quantizeWarnings(runs);
    expect(warnings.map((w) => w.runKeys)).toEqual([['s0.seed1.q0'], ['s1.seed1.q0']]);
    const [w] = warnings;
    const student = runs.find((r) => r.key === 's0.seed1');
    const variant = runs.find((r) => r.key === 's0.seed1.q0');
    expect(w).toMatchObject({
      code: 'QUANTIZE_SHRINKS_LITTLE',
      label: variant?.label.replace(' · seed 1', ''),
      floatBytes: student?.size.bytes,
      quantizedBytes: variant?.size.bytes,
    });
    expect(w?.message).toContain(`${variant?.size.bytes} bytes quantized vs ${student?.size.bytes} bytes float`);
    expect(w?.message).toContain('keepFloat first-last');
  });

  it('does not warn with the default keepFloat', () => {
    expect(quantizeWarnings(expandSweep(quickstart()))).toEqual([]);
  });

  it('warns, blaming the bucket headers, when tiny buckets make even the default barely shrink', () => {
    const spec = { ...quickstart(), quantize: [{ method: 'ptq' as const, bits: 8 as const, bucketSize: 2 }] };
    const [w] = quantizeWarnings(expandSweep(SweepSpec.parse(spec)));
    // 8 bytes of scale and offset per 2 values, plus a byte of code each: 5 bytes a value against float's 4.
    expect(w?.quantizedBytes).toBeGreaterThan(w?.floatBytes as number);
    expect(w?.message).toMatch(
      /float, [\d.]+% larger: its bucket headers \(bucketSize 2\) outweigh what 8-bit codes save$/,
    );
  });

  it('stores a layer list sorted and without repeats, so equal rules hash alike', () => {
    const a = expandSweep(quickstart({ layers: ['dense_2', 'dense_1', 'dense_2'] }));
    const b = expandSweep(quickstart({ layers: ['dense_1', 'dense_2'] }));
    expect(a.find((r) => r.kind === 'quantize-ptq')?.config.quantize?.keepFloat).toEqual({
      layers: ['dense_1', 'dense_2'],
    });
    expect(a.map((r) => r.hash)).toEqual(b.map((r) => r.hash));
  });

  it('rejects a layer that no student has, naming the path and the layers there are', () => {
    const parsed = SweepSpec.safeParse({
      ...quickstart(),
      quantize: [{ method: 'ptq', bits: 8, keepFloat: { layers: ['dense_9'] } }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'quantize.0.keepFloat.layers.0',
        "no student has a layer 'dense_9' (its layers: dense_1, batch_normalization_1, dense_2, lma_1)",
      ],
    ]);
  });
});
