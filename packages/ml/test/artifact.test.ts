import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelSpec, modelBytes, modelTensors, quantizedTensorIndices } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights } from '../src/artifact/packed-artifact.ts';
import { ArtifactError, buildModel, loadModelArtifact, type ModelArtifact, saveModelArtifact } from '../src/index.ts';
import { quantizeModelWeights } from '../src/quantize/quantize-model.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const data = { shape: [6, 6, 1] as [number, number, number], classes: 4 };
const specs: ModelSpec[] = [
  { family: 'mlp', hidden: [10, 7], activation: { name: 'lma', segments: 8 }, batchNorm: true },
  { family: 'cnn', channels: [3], dense: [5], activation: { name: 'aplu', segments: 4 }, batchNorm: true },
  { family: 'mlp', hidden: [300], activation: 'prelu' },
];

function inputFor(spec: ModelSpec): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.linspace(0, 1, 3 * 36).reshape([3, 36]);
    return spec.family === 'mlp' ? x : x.reshape([3, 6, 6, 1]);
  });
}

function weightsBin(a: ModelArtifact): Uint8Array {
  return a.files.find((f) => f.name === 'weights.bin')?.data ?? new Uint8Array();
}

describe('model artifacts', () => {
  for (const spec of specs) {
    const label = `${spec.family} ${JSON.stringify(spec.activation)}`;

    it(`stores a float ${label} in exactly modelBytes bytes and reloads it with identical outputs`, async () => {
      const model = buildModel(spec, data, 5);
      const x = inputFor(spec);
      // Train-mode passes move BatchNorm/LMA statistics away from their initial values.
      for (let i = 0; i < 3; i++) tf.dispose(model.apply(x.add(i), { training: true }) as tf.Tensor);
      const tensors = modelTensors(spec, data);
      const artifact = await saveModelArtifact(model, { tensors });
      expect(weightsBin(artifact).length).toBe(modelBytes(tensors));
      const loaded = await loadModelArtifact(artifact);
      expect(loaded.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(
        model.weights.map((w) => Array.from(w.read().dataSync())),
      );
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      x.dispose();
      model.dispose();
      loaded.dispose();
    });

    for (const bits of [2, 4, 8, 16] as const) {
      it(`packs a ${bits}-bit ${label} into exactly modelBytes bytes that decode to the quantized weights`, async () => {
        const model = buildModel(spec, data, 6);
        const tensors = modelTensors(spec, data);
        const layout = { bits, bucketSize: 16, keepFloat: 'first-last' as const };
        const indices = quantizedTensorIndices(tensors, layout.keepFloat);
        const quantized = quantizeModelWeights(model, indices, layout);
        const artifact = await saveModelArtifact(model, { tensors, quantized });
        expect(weightsBin(artifact).length).toBe(modelBytes(tensors, layout));
        const { json, values } = decodeWeights(artifact);
        expect(json.weights.filter((w) => w.encoding === 'uniform').map((w) => w.name)).toEqual(
          [...indices].map((i) => tensors[i]?.name),
        );
        values.forEach((v, i) => {
          expect(Array.from(v)).toEqual(Array.from(model.weights[i]?.read().dataSync() ?? []));
        });
        model.dispose();
      });
    }
  }

  it('keeps LMA running statistics through save and load, and they stay frozen at inference', async () => {
    const spec = specs[0] as ModelSpec;
    const model = buildModel(spec, data, 7);
    const x = inputFor(spec);
    for (let i = 0; i < 4; i++) tf.dispose(model.apply(x.mul(i + 1), { training: true }) as tf.Tensor);
    const stats = (m: tf.LayersModel) =>
      m.weights.filter((w) => /lma_\d\/running_/.test(w.originalName)).map((w) => w.read().dataSync()[0]);
    const before = stats(model);
    expect(before).not.toEqual([0, 1, 0, 1]);
    const loaded = await loadModelArtifact(await saveModelArtifact(model, { tensors: modelTensors(spec, data) }));
    expect(stats(loaded)).toEqual(before);
    tf.dispose(loaded.predict(x));
    expect(stats(loaded)).toEqual(before);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('refuses a model whose weights differ from the spec list, and corrupt artifacts', async () => {
    const spec = specs[2] as ModelSpec;
    const model = buildModel(spec, data, 8);
    const other = modelTensors({ ...spec, hidden: [301] } as ModelSpec, data);
    await expect(saveModelArtifact(model, { tensors: other })).rejects.toThrow(
      /weight #0 is dense_1\/kernel \[36,300\]/,
    );
    const artifact = await saveModelArtifact(model, { tensors: modelTensors(spec, data) });
    const truncated: ModelArtifact = {
      files: artifact.files.map((f) => (f.name === 'weights.bin' ? { ...f, data: f.data.subarray(0, 10) } : f)),
    };
    await expect(loadModelArtifact(truncated)).rejects.toThrow(ArtifactError);
    await expect(loadModelArtifact({ files: [] })).rejects.toThrow(/no model.json/);
    model.dispose();
  });

  it('rebuilds in a fresh process (custom layers register on import) with identical outputs', async () => {
    const spec = specs[0] as ModelSpec;
    const model = buildModel(spec, data, 9);
    const input = [Array.from({ length: 36 }, (_, i) => Math.sin(i))];
    for (let i = 0; i < 3; i++) tf.dispose(model.apply(tf.tensor(input).mul(i + 1), { training: true }) as tf.Tensor);
    const artifact = await saveModelArtifact(model, { tensors: modelTensors(spec, data) });
    const want = Array.from((model.predict(tf.tensor(input)) as tf.Tensor).dataSync());
    const folder = mkdtempSync(join(tmpdir(), 'distillery-artifact-'));
    try {
      for (const f of artifact.files) writeFileSync(join(folder, f.name), f.data);
      const script = join(import.meta.dirname, 'fixtures', 'predict-from-artifact.ts');
      const out = execFileSync(process.execPath, ['--import', 'tsx', script, folder, JSON.stringify(input)], {
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toEqual(want);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      model.dispose();
    }
  });
});
