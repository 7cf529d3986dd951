import {
  KEEP_FLOAT_RULES,
  type KeepFloat,
  type ModelSpec,
  modelSize,
  modelTensors,
  pqKeptFloat,
  pqTensorIndices,
  quantizedTensorIndices,
} from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights } from '../src/artifact/packed-artifact.ts';
import { buildModel, measureArtifactSize, saveModelArtifact } from '../src/index.ts';
import { PqTraining } from '../src/quantize/pq-training.ts';
import { pqQuantizeModelWeights, quantizeModelWeights } from '../src/quantize/quantize-model.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const mnist = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const models: [string, ModelSpec][] = [
  ['an MLP 784-16-10 with BatchNorm', { family: 'mlp', hidden: [16], activation: 'relu', batchNorm: true }],
  [
    'a CNN c4-c8-fc16 with BatchNorm and LMA',
    { family: 'cnn', channels: [4, 8], dense: [16], activation: { name: 'lma', segments: 8 }, batchNorm: true },
  ],
  [
    'an SMH MLP 784-16-10 (fraction 0.1) with BatchNorm',
    { family: 'mlp', hidden: [16], activation: 'relu', batchNorm: true, smh: { fraction: 0.1 } },
  ],
  [
    'an SMH CNN c4-c8-fc16 (fraction 0.2, constant scales) with LMA',
    {
      family: 'cnn',
      channels: [4, 8],
      dense: [16],
      activation: { name: 'lma', segments: 8 },
      smh: { fraction: 0.2, scale: 'fanout' },
    },
  ],
];
const rules: KeepFloat[] = [...KEEP_FLOAT_RULES, { layers: ['dense_1'] }];

describe('size accounting against the packed artifact', () => {
  for (const [name, spec] of models) {
    for (const keepFloat of rules) {
      for (const bits of [4, 8] as const) {
        it(`predicts ${name} at ${bits} bits, keepFloat ${JSON.stringify(keepFloat)}, byte for byte`, async () => {
          const model = buildModel(spec, mnist, 3);
          const tensors = modelTensors(spec, mnist);
          const layout = { bits, bucketSize: 256, keepFloat };
          const quantized = quantizeModelWeights(model, quantizedTensorIndices(tensors, keepFloat), layout);
          const artifact = await saveModelArtifact(model, { tensors, quantized });
          model.dispose();
          const weightsBin = artifact.files.find((f) => f.name === 'weights.bin')?.data as Uint8Array;
          const predicted = modelSize(tensors, layout);
          const measured = measureArtifactSize(artifact);
          expect(predicted.bytes).toBe(weightsBin.length);
          expect(measured).toEqual(predicted);
          expect(measured.codeBytes + measured.headerBytes + measured.floatBytes).toBe(weightsBin.length);
          // The tensors stored as codes are the ones the rule names, nothing else.
          const { json } = decodeWeights(artifact);
          const uniform = json.weights.filter((w) => w.encoding === 'uniform');
          expect(uniform.map((w) => w.name)).toEqual(
            [...quantizedTensorIndices(tensors, keepFloat)].map((i) => tensors[i]?.name),
          );
          expect(uniform.reduce((n, w) => n + w.byteLength, 0)).toBe(measured.codeBytes + measured.headerBytes);
        });
      }
    }

    for (const keepFloat of rules) {
      for (const [blockSize, centroids] of [
        [4, 16],
        [8, 256],
        [9, 8],
      ] as const) {
        it(`predicts ${name} product-quantized (pq bs=${blockSize} k=${centroids}), keepFloat ${JSON.stringify(keepFloat)}, byte for byte`, async () => {
          const model = buildModel(spec, mnist, 3);
          const tensors = modelTensors(spec, mnist);
          const layout = { method: 'pq' as const, blockSize, centroids, keepFloat };
          const indices = [...pqTensorIndices(tensors, layout)].sort((a, b) => a - b);
          const pq = new PqTraining({
            indices,
            shapes: indices.map((i) => tensors[i]?.shape as number[]),
            blockSize,
            centroids,
            noise: 0,
            finetuneFrom: 1,
            seed: 3,
          });
          const quantized = pqQuantizeModelWeights(model, pq);
          const artifact = await saveModelArtifact(model, { tensors, quantized });
          model.dispose();
          const weightsBin = artifact.files.find((f) => f.name === 'weights.bin')?.data as Uint8Array;
          const predicted = modelSize(tensors, layout);
          const measured = measureArtifactSize(artifact);
          expect(predicted.bytes).toBe(weightsBin.length);
          expect(measured).toEqual(predicted);
          const { json } = decodeWeights(artifact);
          const pqEntries = json.weights.filter((w) => w.encoding === 'pq');
          expect(pqEntries.map((w) => w.name)).toEqual(indices.map((i) => tensors[i]?.name));
          expect(pqEntries.reduce((n, w) => n + w.byteLength, 0)).toBe(measured.codeBytes + measured.headerBytes);
          // Kernels the block size does not divide are the ones left float (and named so for warnings).
          const kept = pqKeptFloat(tensors, layout);
          for (const name of kept) expect(json.weights.find((w) => w.name === name)?.encoding).toBe('float32');
        });
      }
    }

    it(`measures a float ${name} as float bytes only`, async () => {
      const model = buildModel(spec, mnist, 3);
      const tensors = modelTensors(spec, mnist);
      const artifact = await saveModelArtifact(model, { tensors });
      model.dispose();
      expect(measureArtifactSize(artifact)).toEqual(modelSize(tensors));
      expect(measureArtifactSize(artifact)).toMatchObject({ codeBytes: 0, headerBytes: 0, quantizedFraction: 0 });
    });
  }

  it('packs the quickstart student (mlp [16], BatchNorm) at 8 bits at least 3.5 times smaller than in float', async () => {
    const spec = models[0]?.[1] as ModelSpec;
    const tensors = modelTensors(spec, mnist);
    const float = buildModel(spec, mnist, 1);
    const floatBin = (await saveModelArtifact(float, { tensors })).files.find((f) => f.name === 'weights.bin');
    const layout = { bits: 8, bucketSize: 256, keepFloat: 'all-but-kernels' as const };
    const quantized = quantizeModelWeights(float, quantizedTensorIndices(tensors, layout.keepFloat), layout);
    const q = await saveModelArtifact(float, { tensors, quantized });
    float.dispose();
    const qBin = q.files.find((f) => f.name === 'weights.bin');
    expect((floatBin?.data.length as number) / (qBin?.data.length as number)).toBeGreaterThanOrEqual(3.5);
  });
});
