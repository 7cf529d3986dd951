import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import type { EmbeddedStore } from '@distillery/db/embedded';
import { createTestEmbeddedStore, type TestEmbeddedStore } from '@distillery/db/testing';
import { InProcessExecutor } from '@distillery/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
const TRAIN = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };

/** Teacher → two students (ReLU, LMA-4) → an 8-bit PTQ variant each: 5 runs, 3 levels of the DAG. */
function tinySweep(name: string, teacherSeed: number) {
  return {
    name,
    tags: ['embedded'],
    dataset: SYNTHETIC,
    teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN, seed: teacherSeed },
    students: {
      model: { family: 'mlp', hidden: [4], activation: 'relu' },
      train: TRAIN,
      distill: { temperature: 2, alpha: 0.5 },
      grid: { 'model.activation': ['relu', { name: 'lma', segments: 4 }] },
    },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds: [1],
  };
}

interface RunRow {
  id: string;
  kind: string;
  parentId: string | null;
  state: string;
  result: { accuracy: number; bytes: number } | null;
}

/**
 * The API and the in-process executor over the embedded store, as `distillery serve` runs them with nothing
 * configured: every route's SQL (submission, teacher reuse, transitions, results, frontier, comparison, SSE,
 * cancellation) runs on PGlite, and the runs train for real.
 */
describe('the API over the embedded store with the in-process executor', () => {
  let embedded: TestEmbeddedStore;
  let store: EmbeddedStore;
  let executor: InProcessExecutor;
  let app: FastifyInstance;
  let auth: { authorization: string };

  const get = async <T>(url: string): Promise<T> => {
    const res = await app.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };
  const submit = async (spec: unknown): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/v1/sweeps', headers: auth, payload: spec as object });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };
  /** Polls the sweep until it leaves `running` (the test's timeout bounds the wait); its final state. */
  const finished = async (sweepId: string): Promise<string> => {
    for (;;) {
      const { state } = await get<{ state: string }>(`/v1/sweeps/${sweepId}`);
      if (state !== 'running') return state;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  beforeAll(async () => {
    embedded = await createTestEmbeddedStore();
    store = embedded.store;
    executor = new InProcessExecutor({ db: store, backend: 'wasm' });
    await executor.start();
    app = await buildApp({
      db: store,
      queue: executor.queue,
      redisProbe: executor.queue,
      events: { source: store.events },
    });
    auth = { authorization: `Bearer ${(await createTeam(store, 'laptop')).apiKey}` };
  });
  afterAll(async () => {
    await app?.close();
    await executor?.close();
    await embedded?.remove();
  });

  describe('when a sweep is submitted', () => {
    let sweepId: string;
    let runs: RunRow[];
    beforeAll(async () => {
      sweepId = await submit(tinySweep('embedded-api', 101));
      await finished(sweepId);
      runs = (await get<{ items: RunRow[] }>(`/v1/sweeps/${sweepId}/runs`)).items;
    });

    it('executes every run in process and the sweep succeeds', async () => {
      expect((await get<{ state: string }>(`/v1/sweeps/${sweepId}`)).state).toBe('succeeded');
      expect(runs.map((r) => r.kind).sort()).toEqual(['quantize-ptq', 'quantize-ptq', 'student', 'student', 'teacher']);
      expect(runs.every((r) => r.state === 'succeeded' && r.result !== null)).toBe(true);
    });

    it('starts each run only after its parent succeeded (DAG order)', async () => {
      const byId = new Map(
        await Promise.all(
          runs.map(
            async (r) => [r.id, await get<{ startedAt: string; finishedAt: string }>(`/v1/runs/${r.id}`)] as const,
          ),
        ),
      );
      for (const run of runs.filter((r) => r.parentId !== null)) {
        const parent = byId.get(run.parentId as string);
        const child = byId.get(run.id);
        expect(Date.parse(child?.startedAt as string)).toBeGreaterThanOrEqual(Date.parse(parent?.finishedAt as string));
      }
    });

    it('answers the sweep results, team results, frontier and comparison', async () => {
      const results = await get<{ groups: unknown[] }>(`/v1/sweeps/${sweepId}/results`);
      expect(results.groups).toHaveLength(5);
      const team = await get<{ total: number }>('/v1/results?tag=embedded');
      expect(team.total).toBeGreaterThan(0);
      const frontier = await get<{ datasets: { dataset: string; points: unknown[] }[] }>(
        `/v1/frontier?sweep=${sweepId}&format=json`,
      );
      expect(frontier.datasets.map((d) => d.dataset)).toEqual(['synthetic']);
      expect(frontier.datasets[0]?.points.length).toBeGreaterThan(0);
      const csv = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweepId}/results?format=csv`, headers: auth });
      expect(csv.statusCode).toBe(200);
      const compare = await app.inject({
        method: 'GET',
        url: `/v1/compare?dimension=activation&a=relu&b=lma-4&sweep=${sweepId}&format=json`,
        headers: auth,
      });
      expect(compare.statusCode, compare.body).toBe(200);
    });

    it("stores each run's epoch metrics and its model files", async () => {
      const teacher = runs.find((r) => r.kind === 'teacher') as RunRow;
      const detail = await get<{ metrics: unknown[] }>(`/v1/runs/${teacher.id}`);
      expect(detail.metrics).toHaveLength(1);
      const files = await embedded.db.artifact.findMany({ where: { runId: teacher.id } });
      expect(files.length).toBeGreaterThan(0);
      expect(files.every((f) => f.data.length === f.size)).toBe(true);
    });

    it("replays the sweep's event history over SSE", async () => {
      const res = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweepId}/events`, headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('"state":"succeeded"');
    });

    it('reuses the trained teacher and students for a sweep with the same runs, training nothing', async () => {
      const again = await submit({ ...tinySweep('embedded-reuse', 101), quantize: [] });
      expect(await finished(again)).toBe('succeeded');
      const reused = (
        await get<{ items: (RunRow & { reusedFrom: { sweepId: string } | null })[] }>(`/v1/sweeps/${again}/runs`)
      ).items;
      const teacher = runs.find((r) => r.kind === 'teacher') as RunRow;
      expect(reused.map((r) => r.kind)).toEqual(['teacher', 'student', 'student']);
      expect(reused.map((r) => r.id)).toEqual(runs.filter((r) => r.kind !== 'quantize-ptq').map((r) => r.id));
      expect(reused.every((r) => r.reusedFrom?.sweepId === sweepId)).toBe(true);
      expect(reused.slice(1).every((r) => r.parentId === teacher.id)).toBe(true);
    });
  });

  it('cancels a sweep: its waiting runs never start and its state says cancelled', async () => {
    const sweepId = await submit(tinySweep('embedded-cancel', 202));
    const res = await app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/cancel`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(await finished(sweepId)).toBe('cancelled');
    await executor.queue.idle();
    const runs = (await get<{ items: RunRow[] }>(`/v1/sweeps/${sweepId}/runs`)).items;
    expect(runs.filter((r) => r.kind !== 'teacher').every((r) => r.state === 'cancelled' && r.result === null)).toBe(
      true,
    );
  });

  it('reports itself ready with the in-process queue standing in for Redis', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });
});
