import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { createTeam, type Store } from '@distillery/db';
import { createTestEmbeddedStore, type PrismaClient, type TestEmbeddedStore } from '@distillery/db/testing';
import { executeRun, initBackend, loadModelArtifact, type RunOutcome } from '@distillery/ml';
import { InProcessQueue } from '@distillery/queue';
import { type RunConfig, SweepSpec } from '@distillery/spec';
import { InProcessExecutor } from '@distillery/worker';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A data root holding a CSV data set and a tfjs layers model folder, both written here.
const root = realpathSync(mkdtempSync(join(tmpdir(), 'distillery-own-')));
const csvFolder = join(root, 'blobs');
const teacherFolder = join(root, 'teacher');
const dataRoots = { shared: [root], teamBase: null };

const SHAPE: [number, number, number] = [1, 4, 1];
const DATASET = { name: 'csv', path: csvFolder, shape: SHAPE, classes: 3, label: 'shape' } as const;
const TRAIN = { epochs: 8, batchSize: 32, optimizer: { name: 'adam' as const, lr: 0.02 } };

/** Three learnable classes: each a prototype in 4-D plus uniform noise, from a fixed LCG. */
function writeCsv(): void {
  let s = 12345;
  const random = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const prototypes = [
    [0, 0, 5, 5],
    [5, 0, 0, 5],
    [5, 5, 5, 0],
  ];
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const label = ['circle', 'square', 'triangle'][i % 3] as string;
      const p = prototypes[i % 3] as number[];
      const [a, b, c, d] = p.map((v) => (v + (random() - 0.5) * 3).toFixed(3));
      return `${a},${b},${label},${c},${d}`;
    });
  mkdirSync(csvFolder);
  const header = 'x0,x1,shape,x2,x3';
  writeFileSync(join(csvFolder, 'train.csv'), [header, ...rows(300)].join('\n'));
  writeFileSync(join(csvFolder, 'test.csv'), [header, ...rows(90)].join('\n'));
}

/**
 * Writes `model` as `tf.io` file handlers do (model.json with a weights manifest + one shard), with the output
 * layer's activation set to softmax, as a converted Keras classifier has it.
 */
async function writeTfjsFolder(model: tf.LayersModel, folder: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const topology = a.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
      const last = topology.config.layers.at(-1);
      if (last) last.config.activation = 'softmax';
      mkdirSync(folder, { recursive: true });
      const modelJson = {
        format: 'layers-model',
        generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
        convertedBy: null,
        modelTopology: topology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
      };
      writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
      writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

let embedded: TestEmbeddedStore;
let db: PrismaClient;
let store: Store;
let trained: RunOutcome;
let app: Awaited<ReturnType<typeof buildApp>>;
let queue: InProcessQueue;
let executor: InProcessExecutor;
let apiKey: string;

beforeAll(async () => {
  writeCsv();
  await initBackend('wasm', () => {});
  // The teacher a researcher brings: trained elsewhere (here by packages/ml on the same CSV), saved as tfjs files.
  const config: RunConfig = {
    kind: 'teacher',
    dataset: DATASET,
    model: { family: 'mlp', hidden: [16], activation: 'relu' },
    train: TRAIN,
    seed: 7,
    distill: null,
    quantize: null,
  };
  trained = await executeRun({ config, dataRoots: [root] });
  const model = await loadModelArtifact(trained.artifact);
  await writeTfjsFolder(model, teacherFolder);
  model.dispose();

  embedded = await createTestEmbeddedStore();
  db = embedded.db;
  store = embedded.store;
  queue = new InProcessQueue();
  app = await buildApp({ db: store, queue, redisProbe: queue, dataRoots });
  ({ apiKey } = await createTeam(store, 'own-teacher'));
  executor = new InProcessExecutor({ db: store, backend: 'wasm', dataRoots });
  await executor.start();
});

afterAll(async () => {
  await executor?.close();
  await app?.close();
  await queue?.close();
  await embedded?.remove();
  rmSync(root, { recursive: true, force: true });
});

const sweep = (teacher: string, overrides: Record<string, unknown> = {}) => ({
  name: 'own teacher, own data',
  dataset: DATASET,
  teacher: { model: { artifact: teacher } },
  students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train: TRAIN },
  quantize: [{ method: 'qat', bits: 8 }],
  seeds: [1],
  ...overrides,
});

async function submit(body: unknown, dryRun = false) {
  return app.inject({
    method: 'POST',
    url: dryRun ? '/v1/sweeps?dryRun=true' : '/v1/sweeps',
    headers: { authorization: `Bearer ${apiKey}` },
    payload: body as Record<string, unknown>,
  });
}

async function finished(sweepId: string): Promise<string> {
  for (;;) {
    const { state } = await db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    if (state !== 'running') return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a sweep with your own teacher (a tfjs layers model folder) on your own data (CSV)', () => {
  let sweepId: string;
  beforeAll(async () => {
    const res = await submit(sweep(teacherFolder));
    expect(res.statusCode, res.body).toBe(201);
    sweepId = (res.json() as { id: string }).id;
    expect(await finished(sweepId)).toBe('succeeded');
  });

  it('evaluates the teacher once, with the accuracy it had where it was trained, and its measured size', async () => {
    const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' }, include: { result: true } });
    // The softmax of the output layer is dropped (logits), which keeps every prediction: the same accuracy.
    expect(teacher.result?.accuracy).toBe(trained.accuracy);
    expect(trained.accuracy).toBeGreaterThan(0.9);
    expect(teacher.result?.parameters).toBe(4 * 16 + 16 + 16 * 3 + 3);
    expect(teacher.result?.bytes).toBe(4 * (4 * 16 + 16 + 16 * 3 + 3));
    expect(teacher.predictedBytes).toBe(teacher.result?.bytes);
    expect(teacher.result?.splitDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(teacher.config).toMatchObject({ model: { family: 'imported', artifact: teacherFolder }, train: null });
  });

  it('distils a student and a QAT variant from it', async () => {
    const runs = await db.run.findMany({ where: { sweepId }, include: { result: true } });
    const teacher = runs.find((r) => r.kind === 'teacher');
    for (const kind of ['student', 'quantize-qat'] as const) {
      const run = runs.find((r) => r.kind === kind);
      expect(run?.state).toBe('succeeded');
      expect(run?.parentId).toBe(teacher?.id);
      expect(run?.result?.accuracy).toBeGreaterThan(0.6);
    }
  });

  it('shows the imported teacher through the read API: the run, the sweep results, team results, CSV and frontier', async () => {
    const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${apiKey}` } });
    const run = await get(`/v1/runs/${teacher.id}`);
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toMatchObject({ kind: 'teacher', result: { accuracy: trained.accuracy } });
    for (const url of [
      `/v1/sweeps/${sweepId}`,
      `/v1/sweeps/${sweepId}/runs`,
      `/v1/sweeps/${sweepId}/results`,
      `/v1/sweeps/${sweepId}/results?format=csv`,
      '/v1/results',
      '/v1/results?format=csv',
      '/v1/frontier?dataset=csv',
    ]) {
      const res = await get(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
    expect((await get(`/v1/sweeps/${sweepId}/results?format=csv`)).body).toContain('imported');
  });

  it('reuses the teacher for the same files at another path (they are identified by their bytes)', async () => {
    const copy = join(root, 'teacher-copy');
    cpSync(teacherFolder, copy, { recursive: true });
    const res = await submit(sweep(copy, { name: 'same teacher elsewhere' }), true);
    expect(res.statusCode, res.body).toBe(200);
    const first = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    const plan = res.json() as { reusedTeacherRunId: string; runs: { kind: string; reusedFrom: { runId: string } }[] };
    expect(plan.reusedTeacherRunId).toBe(first.id);
    expect(plan.runs.find((r) => r.kind === 'teacher')?.reusedFrom.runId).toBe(first.id);
  });
});

describe('when the teacher does not fit the data set', () => {
  it('answers 400 naming teacher.model.artifact and the mismatch (classes), dry run included', async () => {
    const res = await submit(sweep(teacherFolder, { dataset: { ...DATASET, classes: 4 } }), true);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "the model's output layer has 3 units, but dataset 'csv' has 4 classes: it needs one output per class",
          "path": "teacher.model.artifact",
        },
      ]
    `);
  });

  it('answers 400 for an input shape the model does not take', async () => {
    const res = await submit(sweep(teacherFolder, { dataset: { ...DATASET, shape: [1, 5, 1] } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "the model takes inputs of shape [null, 4], but dataset 'csv' has rows of shape [1, 5, 1]: the model's input must be [null, 5] or [null, 1, 5, 1]",
          "path": "teacher.model.artifact",
        },
      ]
    `);
  });

  it("answers 400 when the model exceeds the server's parameter limit, like a trained teacher would", async () => {
    const strict = await buildApp({
      db: store,
      queue,
      redisProbe: queue,
      dataRoots,
      runLimits: { maxParameters: 100 },
    });
    try {
      const res = await strict.inject({
        method: 'POST',
        url: '/v1/sweeps?dryRun=true',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: sweep(teacherFolder),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([
        {
          path: 'teacher.model.artifact',
          message: "the model has 131 parameters, more than this server's limit of 100",
        },
      ]);
    } finally {
      await strict.close();
    }
  });

  it('answers 400 for a folder outside the data roots, and for one without model.json', async () => {
    const outside = await submit(sweep('/etc'), true);
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.issues[0].path).toBe('teacher.model.artifact');
    const empty = join(root, 'empty-teacher');
    mkdirSync(empty);
    const res = await submit(sweep(empty), true);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      { path: 'teacher.model.artifact', message: `cannot read ${JSON.stringify(empty)}/model.json (ENOENT)` },
    ]);
  });
});

describe('when a data set of your own lacks what sizes the models', () => {
  it('answers 400 naming dataset.shape and dataset.classes', async () => {
    const { shape: _shape, classes: _classes, ...dataset } = DATASET;
    const res = await submit(sweep(teacherFolder, { dataset }), true);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "dataset 'csv' needs its shape [height, width, channels]: the model is sized before its files are read",
          "path": "dataset.shape",
        },
        {
          "message": "dataset 'csv' needs its number of classes: the model is sized before its files are read",
          "path": "dataset.classes",
        },
      ]
    `);
  });
});

describe('when the API host does not hold the teacher files', () => {
  it('accepts the sweep and the run fails at its start, naming the field and the missing file', async () => {
    const later = join(root, 'arrives-later');
    expect(SweepSpec.safeParse(sweep(later)).success).toBe(true);
    const res = await submit(sweep(later, { name: 'teacher elsewhere' }));
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: string }).id;
    expect(await finished(id)).toBe('failed');
    const teacher = await db.run.findFirstOrThrow({ where: { sweepId: id, kind: 'teacher' } });
    expect(teacher.state).toBe('failed');
    expect(teacher.error).toBe(
      `RunConfigError: teacher.model.artifact: cannot read ${JSON.stringify(later)}/model.json (ENOENT)`,
    );
  });
});
