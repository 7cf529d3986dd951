import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;
let sweepId: string;
let runIds: Map<string, string>;

beforeAll(async () => {
  api = await buildTestApi();
  sweepId = await submitSweep(api, quickstart());
  const runs = await api.db.run.findMany({ where: { sweepId } });
  runIds = new Map(runs.map((r) => [r.key, r.id]));
});
afterAll(async () => {
  await api?.close();
});

const get = (url: string, as = api.team) => api.request({ method: 'GET', url, as });
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('GET /v1/sweeps', () => {
  let listApi: TestApi;
  const names = ['s1', 's2', 's3', 's4', 's5'];

  beforeAll(async () => {
    listApi = await buildTestApi();
    for (const name of names) await submitSweep(listApi, quickstart({ name }));
  });
  afterAll(async () => {
    await listApi?.close();
  });

  it("lists the team's sweeps newest first", async () => {
    const res = await listApi.request({ method: 'GET', url: '/v1/sweeps' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((s: { name: string }) => s.name)).toEqual([...names].reverse());
    expect(res.json().items[0]).toMatchObject({ state: 'running', runCount: 5, tags: ['demo'] });
    expect(res.json().nextCursor).toBeNull();
  });

  it('pages with limit and cursor without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/sweeps?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await listApi.request({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s: { name: string }) => s.name));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...names].reverse());
  });

  it("does not list another team's sweeps", async () => {
    const res = await listApi.request({ method: 'GET', url: '/v1/sweeps', as: listApi.otherTeam });
    expect(res.json()).toEqual({ items: [], nextCursor: null });
  });

  it('rejects a limit over 100 with the parameter name', async () => {
    const res = await listApi.request({ method: 'GET', url: '/v1/sweeps?limit=101' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['limit']);
  });

  it('rejects a limit that is not a number', async () => {
    const res = await listApi.request({ method: 'GET', url: '/v1/sweeps?limit=many' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['limit']);
  });

  it('rejects a cursor it did not write', async () => {
    const res = await listApi.request({ method: 'GET', url: '/v1/sweeps?cursor=bm9wZQ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "VALIDATION_FAILED",
          "issues": [
            {
              "message": "not a cursor returned by this listing",
              "path": "cursor",
            },
          ],
          "message": "the query string is invalid",
        },
      }
    `);
  });
});

describe('GET /v1/sweeps/:id', () => {
  it('returns the state, the counts per run state, totals and timestamps', async () => {
    const res = await get(`/v1/sweeps/${sweepId}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: sweepId,
      name: 'quickstart',
      state: 'running',
      runCount: 5,
      counts: { waiting: 4, queued: 1, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
      totals: { runs: 5, finished: 0, results: 0, progress: 0 },
      finishedAt: null,
    });
    expect(body.totals.predictedBytes).toBeGreaterThan(0);
    expect(new Date(body.createdAt).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('answers 404 for an unknown id', async () => {
    const res = await get(`/v1/sweeps/${UNKNOWN_ID}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "NOT_FOUND",
          "message": "sweep '00000000-0000-4000-8000-000000000000' not found",
        },
      }
    `);
  });

  it('answers 404 for an id that is not a UUID', async () => {
    const res = await get('/v1/sweeps/not-a-uuid');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});

describe('GET /v1/sweeps/:id/runs', () => {
  it('lists the runs parents first with their predicted size and no result yet', async () => {
    const res = await get(`/v1/sweeps/${sweepId}/runs`);
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items.map((r: { key: string }) => r.key)).toEqual([
      'teacher',
      's0.seed1',
      's0.seed1.q0',
      's1.seed1',
      's1.seed1.q0',
    ]);
    expect(items[0]).toEqual({
      id: runIds.get('teacher'),
      key: 'teacher',
      kind: 'teacher',
      label: 'teacher mlp 128 relu',
      parentId: null,
      state: 'queued',
      attempt: 1,
      progress: 0,
      predicted: {
        parameters: 101_770,
        bytes: 407_080,
        bits: 32,
        codeBytes: 0,
        headerBytes: 0,
        floatBytes: 407_080,
        quantizedValues: 0,
        quantizedFraction: 0,
        indexBytes: 0,
        prunedValues: 0,
        estimated: false,
      },
      result: null,
      error: null,
      skippedReason: null,
      reusedFrom: null,
    });
  });

  it('answers 404 for an unknown sweep', async () => {
    expect((await get(`/v1/sweeps/${UNKNOWN_ID}/runs`)).statusCode).toBe(404);
  });

  it('answers 404 for a sweep id that is not a UUID', async () => {
    expect((await get('/v1/sweeps/123/runs')).statusCode).toBe(404);
  });
});

describe('GET /v1/runs/:id', () => {
  it('returns the config, state, timings, learning curve and result of a run', async () => {
    const id = runIds.get('s0.seed1') ?? '';
    await api.db.run.update({
      where: { id },
      data: { state: 'succeeded', progress: 1, startedAt: new Date(), finishedAt: new Date() },
    });
    await api.db.metric.createMany({
      data: [1, 2].map((epoch) => ({
        runId: id,
        epoch,
        trainLoss: 1 / epoch,
        trainAccuracy: 0.8 + epoch / 100,
        valLoss: null,
        valAccuracy: null,
        learningRate: 0.001,
        seconds: 1.5,
      })),
    });
    await api.db.result.create({
      data: {
        runId: id,
        accuracy: 0.91,
        loss: 0.3,
        parameters: 12_730,
        bytes: 50_920,
        bits: 32,
        backend: 'wasm',
        seconds: 4,
      },
    });
    const res = await get(`/v1/runs/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    const run = res.json();
    expect(run).toMatchObject({
      id,
      sweepId,
      key: 's0.seed1',
      kind: 'student',
      parentId: runIds.get('teacher'),
      state: 'succeeded',
      attempt: 1,
      progress: 1,
      error: null,
      skippedReason: null,
      packedBy: null,
      config: { kind: 'student', seed: 1, distill: { temperature: 2, alpha: 0.7 }, quantize: null },
      result: { accuracy: 0.91, loss: 0.3, parameters: 12_730, bytes: 50_920, bits: 32, backend: 'wasm', seconds: 4 },
    });
    // A student: runs of its sweep with its teacher and this key may train with it as one pack.
    expect(run.packKey).toMatch(/^[0-9a-f]{64}$/);
    expect(run.metrics.map((m: { epoch: number }) => m.epoch)).toEqual([1, 2]);
    expect(run.latestMetrics).toMatchObject({ epoch: 2, trainLoss: 0.5, valLoss: null });
    expect(run.startedAt).toEqual(expect.any(String));
    expect(run.groupHash).toMatch(/^[0-9a-f]{64}$/);
    // Stored without a measured breakdown (as results recorded before it existed were).
    expect(run.result.sizeBreakdown).toBeNull();
  });

  it("shows a quantized run's predicted and measured size split into codes, bucket headers and float tensors", async () => {
    const id = runIds.get('s0.seed1.q0') ?? '';
    const planned = (await get(`/v1/runs/${id}`)).json();
    expect(planned.label).toBe('activation=relu · seed 1 · ptq 8-bit · 99.7% of values quantized');
    const { predicted } = planned;
    // The kernels at one byte a value, a bucket header per 256 values, the biases in float32.
    expect(predicted).toEqual({
      parameters: 12_730,
      bits: 8,
      codeBytes: 784 * 16 + 16 * 10,
      headerBytes: (Math.ceil((784 * 16) / 256) + 1) * 8,
      floatBytes: (16 + 10) * 4,
      bytes: 784 * 16 + 16 * 10 + (49 + 1) * 8 + 26 * 4,
      quantizedValues: 784 * 16 + 16 * 10,
      quantizedFraction: (784 * 16 + 16 * 10) / 12_730,
      indexBytes: 0,
      prunedValues: 0,
      estimated: false,
    });
    const { parameters: _p, bits: _b, estimated: _e, ...sizeBreakdown } = predicted;
    await api.db.result.create({
      data: {
        runId: id,
        accuracy: 0.9,
        loss: 0.3,
        parameters: 12_730,
        bytes: predicted.bytes,
        sizeBreakdown,
        bits: 8,
        backend: 'wasm',
        seconds: 1,
      },
    });
    const run = (await get(`/v1/runs/${id}`)).json();
    expect(run.result).toMatchObject({ bytes: predicted.bytes, sizeBreakdown });
    await api.db.result.delete({ where: { runId: id } });
  });

  it('shows a run without metrics with an empty learning curve', async () => {
    const res = await get(`/v1/runs/${runIds.get('teacher')}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ metrics: [], latestMetrics: null, result: null, startedAt: null });
  });

  it('answers 404 for an unknown id', async () => {
    const res = await get(`/v1/runs/${UNKNOWN_ID}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "NOT_FOUND",
          "message": "run '00000000-0000-4000-8000-000000000000' not found",
        },
      }
    `);
  });

  it('answers 404 for an id that is not a UUID', async () => {
    const res = await get("/v1/runs/1'%20OR%201=1");
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});

describe("another team's resources", () => {
  const urls = () => [
    `/v1/sweeps/${sweepId}`,
    `/v1/sweeps/${sweepId}/runs`,
    `/v1/sweeps/${sweepId}/results`,
    `/v1/sweeps/${sweepId}/results?format=csv`,
    `/v1/runs/${runIds.get('teacher')}`,
  ];

  it('answer 404 on every id route, never 403', async () => {
    for (const url of urls()) {
      const res = await get(url, api.otherTeam);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
  });

  it('answer 200 to their own team', async () => {
    for (const url of urls()) expect((await get(url)).statusCode, url).toBe(200);
  });
});
