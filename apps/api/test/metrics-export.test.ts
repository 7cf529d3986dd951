import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;
let sweepId: string;
let runs: { id: string; key: string }[];

beforeAll(async () => {
  api = await buildTestApi();
  sweepId = await submitSweep(api, quickstart({ name: 'curves' }));
  runs = await api.db.run.findMany({ where: { sweepId }, orderBy: { position: 'asc' } });
  // Two epochs of the teacher and the ReLU student, as a worker records them; the student without validation.
  const teacher = runs.find((r) => r.key === 'teacher')?.id as string;
  const student = runs.find((r) => r.key === 's0.seed1')?.id as string;
  await api.db.metric.createMany({
    data: [1, 2].flatMap((epoch) => [
      {
        runId: teacher,
        epoch,
        trainLoss: 1 / epoch,
        trainAccuracy: 0.8 + epoch / 100,
        valLoss: 0.9 / epoch,
        valAccuracy: 0.85,
        learningRate: 0.001,
        seconds: 2.5,
      },
      { runId: student, epoch, trainLoss: 2 / epoch, trainAccuracy: 0.7, learningRate: 0.001, seconds: 1 },
    ]),
  });
});
afterAll(async () => {
  await api?.close();
});

const idOf = (key: string) => runs.find((r) => r.key === key)?.id as string;

describe('GET /v1/runs/:id/metrics', () => {
  it("returns the run's epochs in order with validation loss", async () => {
    const res = await api.request({ method: 'GET', url: `/v1/runs/${idOf('teacher')}/metrics` });
    expect(res.statusCode).toBe(200);
    const { rows } = res.json();
    expect(rows.map((r: { epoch: number; valLoss: number }) => [r.epoch, r.valLoss])).toEqual([
      [1, 0.9],
      [2, 0.45],
    ]);
    expect(rows[0]).toMatchObject({ runId: idOf('teacher'), key: 'teacher', kind: 'teacher', trainLoss: 1 });
  });

  it('answers CSV with one line per epoch, validation cells empty where there is no validation split', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/runs/${idOf('s0.seed1')}/metrics?format=csv` });
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'runId,key,kind,label,group,epoch,trainLoss,trainAccuracy,valLoss,valAccuracy,learningRate,seconds,recordedAt',
    );
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^[0-9a-f-]{36},s0\.seed1,student,.*,[0-9a-f]{64},2,1,0\.7,,,0\.001,1,\d{4}-\d\d-\d\dT/);
  });

  it('answers 404 for a run that does not exist', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/runs/00000000-0000-4000-8000-000000000000/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toBe("run '00000000-0000-4000-8000-000000000000' not found");
  });
});

describe('GET /v1/sweeps/:id/metrics', () => {
  it("returns every run's epochs, by run key then epoch, as JSON and CSV", async () => {
    const { rows } = (await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/metrics` })).json();
    expect(rows.map((r: { key: string; epoch: number }) => `${r.key}@${r.epoch}`)).toEqual([
      'teacher@1',
      'teacher@2',
      's0.seed1@1',
      's0.seed1@2',
    ]);
    const csv = (await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/metrics?format=csv` })).body;
    expect(csv.trimEnd().split('\r\n')).toHaveLength(5);
  });

  it('rejects an unknown format naming the parameter', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/metrics?format=xlsx` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe('format');
  });
});
