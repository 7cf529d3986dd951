import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatasetSpec, type RunConfig, readTeacherArtifact } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, loadModelArtifact, RunConfigError, type RunOutcome } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'distillery-imported-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SIDE = 8;
/** Class `bars` has bright columns, class `stripes` bright rows; grey PNGs with a per-image brightness offset. */
function writeImages(folder: string): void {
  for (const [split, n] of [
    ['train', 40],
    ['test', 12],
  ] as const) {
    for (const cls of ['bars', 'stripes']) {
      mkdirSync(join(folder, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) {
        const data = Buffer.alloc(SIDE * SIDE * 4);
        for (let y = 0; y < SIDE; y++) {
          for (let x = 0; x < SIDE; x++) {
            const on = cls === 'bars' ? x % 2 === 0 : y % 2 === 0;
            const v = (on ? 200 : 30) + ((i * 7 + x * 3 + y) % 40);
            data.fill(v, (y * SIDE + x) * 4, (y * SIDE + x) * 4 + 3);
            data[(y * SIDE + x) * 4 + 3] = 255;
          }
        }
        const png = pngjs.PNG.sync.write({ width: SIDE, height: SIDE, data } as pngjs.PNG);
        writeFileSync(join(folder, split, cls, `${i}.png`), png);
      }
    }
  }
}

/** `model` as a converted Keras file: model.json (topology nested in model_config, softmax output) + one shard. */
async function writeKerasStyleFolder(model: tf.LayersModel, folder: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const topology = a.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
      const last = topology.config.layers.at(-1);
      if (last) last.config.activation = 'softmax';
      mkdirSync(folder, { recursive: true });
      const modelJson = {
        format: 'layers-model',
        generatedBy: 'keras v2.15.0',
        convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: topology },
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
      };
      writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
      writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

const dataset: DatasetSpec = { name: 'image-folder', path: join(root, 'images'), shape: [SIDE, SIDE, 1], classes: 2 };
const TRAIN = { epochs: 6, batchSize: 16, optimizer: { name: 'adam' as const, lr: 0.01 } };
const imported = (artifact: string, digest: string | null = null): RunConfig => ({
  kind: 'teacher',
  dataset,
  model: { family: 'imported', artifact, digest, tensors: null },
  train: null,
  seed: 0,
  distill: null,
  quantize: null,
});

let cnn: RunOutcome;
let teacher: RunOutcome;
const folder = join(root, 'cnn-teacher');
beforeAll(async () => {
  await useWasm();
  writeImages(join(root, 'images'));
  cnn = await executeRun({
    config: {
      kind: 'teacher',
      dataset,
      model: { family: 'cnn', channels: [4], dense: [], activation: 'relu' },
      train: TRAIN,
      seed: 3,
      distill: null,
      quantize: null,
    },
    dataRoots: [root],
  });
  const model = await loadModelArtifact(cnn.artifact);
  await writeKerasStyleFolder(model, folder);
  model.dispose();
  teacher = await executeRun({ config: imported(folder), dataRoots: [root] });
});

describe('an imported teacher (a converted Keras CNN on an image folder)', () => {
  it('is evaluated, not trained: the accuracy, parameters and size of the model it was saved from', () => {
    expect(cnn.accuracy).toBeGreaterThan(0.9);
    expect(teacher.accuracy).toBe(cnn.accuracy);
    expect(teacher.parameters).toBe(cnn.parameters);
    expect(teacher.bytes).toBe(4 * cnn.parameters);
  });

  it('outputs logits: its loss is the cross-entropy of the model before the softmax was added', () => {
    expect(teacher.loss).toBeCloseTo(cnn.loss, 5);
  });

  it('teaches an MLP student (flat rows) although it takes images', async () => {
    const student = await executeRun({
      config: {
        kind: 'student',
        dataset,
        model: { family: 'mlp', hidden: [8], activation: 'relu' },
        train: TRAIN,
        seed: 1,
        distill: { temperature: 2, alpha: 0.7 },
        quantize: null,
      },
      parent: teacher.artifact,
      dataRoots: [root],
    });
    expect(student.accuracy).toBeGreaterThan(0.8);
  });

  it('fails at the start when its files are not those the sweep was submitted with', async () => {
    const submitted = readTeacherArtifact(folder, [root]).digest;
    await expect(executeRun({ config: imported(folder, submitted), dataRoots: [root] })).resolves.toMatchObject({
      accuracy: cnn.accuracy,
    });
    await expect(executeRun({ config: imported(folder, 'b'.repeat(64)), dataRoots: [root] })).rejects.toThrow(
      new RunConfigError(
        `teacher.model.artifact: the files in ${JSON.stringify(folder)} changed since the sweep was submitted (their digest differs); submit it again to use them`,
      ),
    );
  });

  it('fails at the start, naming the field, when it does not fit the data set or its weights are short', async () => {
    const wrongClasses = { ...imported(folder), dataset: { ...dataset, classes: 3 } };
    await expect(executeRun({ config: wrongClasses, dataRoots: [root] })).rejects.toThrow(
      "teacher.model.artifact: the model's output layer has 2 units, but dataset 'image-folder' has 3 classes: it needs one output per class",
    );
    const short = join(root, 'short-teacher');
    mkdirSync(short);
    writeFileSync(join(short, 'model.json'), readFileSync(join(folder, 'model.json')));
    writeFileSync(join(short, 'group1-shard1of1.bin'), new Uint8Array(12));
    await expect(executeRun({ config: imported(short), dataRoots: [root] })).rejects.toThrow(
      new RunConfigError(
        `teacher.model.artifact ${JSON.stringify(short)}: its weight files hold 12 bytes, its manifest announces ${4 * cnn.parameters}`,
      ),
    );
    await expect(executeRun({ config: imported('/etc'), dataRoots: [root] })).rejects.toThrow(
      'teacher.model.artifact: "/etc" is outside the data roots',
    );
  });
});
