import { claimRun, completeRun } from '@distillery/db';
import { executeRun, initBackend, loadDataset } from '@distillery/ml';
import type { RunConfig } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

/**
 * A sweep's chain trained for real (teacher → LMA-8 student → its 8-bit PTQ variant, on a slice of MNIST) and
 * stored as a worker stores it; its models are then fetched through the API the way a researcher takes them away.
 */
let api: TestApi;
let baseUrl: string;
let runs: { teacher: string; student: string; ptq: string; idle: string };
const TEST_ROWS = 500;

async function train(runId: string): Promise<void> {
  const run = await api.db.run.findUniqueOrThrow({ where: { id: runId } });
  expect(await claimRun(api.store, runId, run.attempt, 'test-worker')).not.toBeNull();
  const parent = run.parentId
    ? {
        files: (await api.db.artifact.findMany({ where: { runId: run.parentId } })).map((a) => ({
          ...a,
          data: new Uint8Array(a.data),
        })),
      }
    : undefined;
  const outcome = await executeRun({ config: run.config as unknown as RunConfig, ...(parent ? { parent } : {}) });
  const { artifact: _artifact, ...measured } = outcome;
  const result = { ...measured, seconds: 1 };
  expect((await completeRun(api.store, runId, run.attempt, result, outcome.artifact.files)).completed).toBe(true);
}

beforeAll(async () => {
  await initBackend('wasm', () => {});
  api = await buildTestApi();
  const spec = quickstart({
    name: 'take-away',
    dataset: { name: 'mnist', limit: { train: 2000, test: TEST_ROWS }, validation: 0.1 },
  });
  (spec.teacher as { train: { epochs: number } }).train.epochs = 1;
  (spec.students as { train: { epochs: number } }).train.epochs = 1;
  const sweep = await submitSweep(api, spec);
  const all = await api.db.run.findMany({ where: { sweepId: sweep }, orderBy: { position: 'asc' } });
  const teacher = all.find((r) => r.kind === 'teacher');
  const student = all.find((r) => r.kind === 'student' && r.label.includes('lma'));
  const idle = all.find((r) => r.kind === 'student' && !r.label.includes('lma'));
  const ptq = all.find((r) => r.kind === 'quantize-ptq' && r.parentId === student?.id);
  if (!teacher || !student || !idle || !ptq) throw new Error(`unexpected runs: ${all.map((r) => r.label)}`);
  runs = { teacher: teacher.id, student: student.id, ptq: ptq.id, idle: idle.id };
  await train(runs.teacher);
  await train(runs.student);
  await train(runs.ptq);
  baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
}, 240_000);
afterAll(async () => {
  await api?.close();
});

/** Accuracy of a model on the first `TEST_ROWS` MNIST test images, computed here (not by packages/ml). */
async function testAccuracy(model: tf.LayersModel): Promise<number> {
  const { test } = loadDataset({ name: 'mnist' });
  const features = 28 * 28;
  const x = tf.tensor2d(
    Float32Array.from(test.images.subarray(0, TEST_ROWS * features), (v) => v / 255),
    [TEST_ROWS, features],
  );
  const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1));
  const labels = await predicted.data();
  tf.dispose([x, predicted]);
  let correct = 0;
  for (let i = 0; i < TEST_ROWS; i++) if (labels[i] === test.labels[i]) correct++;
  return correct / TEST_ROWS;
}

async function storedAccuracy(runId: string): Promise<number> {
  return (await api.request({ method: 'GET', url: `/v1/runs/${runId}` })).json().result.accuracy;
}

describe('GET /v1/runs/:id/artifacts/:name', () => {
  it('serves a quantized LMA run as a tfjs-layers model that tf.loadLayersModel loads and that scores the stored accuracy', async () => {
    const model = await tf.loadLayersModel(`${baseUrl}/v1/runs/${runs.ptq}/artifacts/model.json`, {
      requestInit: { headers: { authorization: `Bearer ${api.team.apiKey}` } },
    });
    expect(model.layers.map((l) => l.getClassName())).toContain('LMA');
    const accuracy = await testAccuracy(model);
    model.dispose();
    expect(accuracy).toBeGreaterThan(0.2); // a tenth is chance: the weights were read, not made up
    expect(accuracy).toBe(await storedAccuracy(runs.ptq));
  });

  it('serves the float student the same way, with the run config in userDefinedMetadata', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/runs/${runs.student}/artifacts/model.json` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const json = res.json();
    expect(json).toMatchObject({ format: 'layers-model', weightsManifest: [{ paths: ['model.weights.bin'] }] });
    expect(json.userDefinedMetadata.config.kind).toBe('student');
    const model = await tf.loadLayersModel(`${baseUrl}/v1/runs/${runs.student}/artifacts/model.json`, {
      requestInit: { headers: { authorization: `Bearer ${api.team.apiKey}` } },
    });
    expect(await testAccuracy(model)).toBe(await storedAccuracy(runs.student));
    model.dispose();
  });

  it('serves the packed artifact as stored: packed.bin is the measured size, packed.json says how it is encoded', async () => {
    const detail = (await api.request({ method: 'GET', url: `/v1/runs/${runs.ptq}` })).json();
    const bin = await api.request({ method: 'GET', url: `/v1/runs/${runs.ptq}/artifacts/packed.bin` });
    expect(bin.statusCode).toBe(200);
    expect(bin.headers['content-type']).toBe('application/octet-stream');
    expect(bin.rawPayload.length).toBe(detail.result.bytes);
    const manifest = (await api.request({ method: 'GET', url: `/v1/runs/${runs.ptq}/artifacts/packed.json` })).json();
    expect(manifest).toMatchObject({ format: 'distillery-model', version: 1, weightBytes: detail.result.bytes });
    expect(manifest.weights.filter((w: { encoding: string }) => w.encoding === 'uniform').length).toBeGreaterThan(0);
    for (const w of manifest.weights) if (w.encoding === 'uniform') expect(w.bits).toBe(8);
  });

  it('answers 404 naming the served files for a name a run does not serve', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/runs/${runs.ptq}/artifacts/weights.bin` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message.replace(runs.ptq, 'RUN')).toMatchInlineSnapshot(
      `"run 'RUN' has no artifact 'weights.bin': a run serves model.json, model.weights.bin, packed.json, packed.bin; a synthesize run dataset.json, inputs.bin, labels.bin"`,
    );
  });

  it('answers 404 with the state for a run that has no model yet', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/runs/${runs.idle}/artifacts/model.json` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message.replace(runs.idle, 'RUN')).toMatchInlineSnapshot(
      `"run 'RUN' has no artifact 'model.json': the run stored no model (state queued)"`,
    );
  });

  it("answers 404 for another team's run, whatever the name", async () => {
    for (const name of ['model.json', 'packed.bin', 'nonsense']) {
      const res = await api.request({
        method: 'GET',
        url: `/v1/runs/${runs.ptq}/artifacts/${name}`,
        as: api.otherTeam,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toBe(`run '${runs.ptq}' not found`);
    }
  });
});
