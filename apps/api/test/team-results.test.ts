import { activationLabel, type RunConfig } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRow } from '../src/index.ts';
import type { Comparison } from '../src/schemas/comparison.ts';
import type { Frontier } from '../src/schemas/frontier.ts';
import type { ConfigurationResult, TeamResultRow } from '../src/schemas/team-results.ts';
import { aggregateResults } from '../src/services/aggregate-results.ts';
import {
  buildTestApi,
  CONFIG_CSV_HEADER,
  getCsvLines,
  getJson,
  quickstart,
  submitSweep,
  type TestApi,
} from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

let api: TestApi;
let mnistSweep: string;
let fashionSweep: string;
let teacherId: string;

/** relu | lma-8 × hidden 8 | 16, seeds 1–3, float students plus 4- and 8-bit PTQ: 12 configurations + teacher. */
function gridSweep(overrides: Record<string, unknown> = {}) {
  const base = quickstart();
  return quickstart({
    students: {
      ...(base.students as object),
      grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }], 'model.hidden': [[8], [16]] },
    },
    quantize: [
      { method: 'ptq', bits: 4 },
      { method: 'ptq', bits: 8 },
    ],
    seeds: [1, 2, 3],
    ...overrides,
  });
}

const get = <T>(url: string) => getJson<T>(api, url);

beforeAll(async () => {
  api = await buildTestApi();
  mnistSweep = await submitSweep(api, gridSweep());
  fashionSweep = await submitSweep(
    api,
    gridSweep({
      name: 'fashion',
      tags: ['fashion-tag'],
      dataset: { name: 'fashion-mnist', limit: { train: 1000, test: 200 } },
      quantize: [],
      seeds: [1, 2],
    }),
  );
  await storeResults(api, mnistSweep, syntheticAccuracy);
  // Only the relu students of the fashion sweep have finished.
  await storeResults(api, fashionSweep, (r) =>
    r.kind === 'teacher' || r.key.startsWith('s0.') || r.key.startsWith('s1.') ? syntheticAccuracy(r) : undefined,
  );
  teacherId = (await api.db.run.findFirstOrThrow({ where: { sweepId: mnistSweep, kind: 'teacher' } })).id;
});
afterAll(async () => {
  await api?.close();
});

describe('GET /v1/results', () => {
  it("groups the team's replicates into configurations with mean, sample std and n", async () => {
    const page = await get<{ total: number; items: ConfigurationResult[] }>('/v1/results?dataset=mnist&limit=100');
    expect(page.total).toBe(13);
    const lma16 = page.items.find(
      (c) => c.kind === 'student' && c.activation === 'lma-8' && c.description.includes(' 16 '),
    ) as ConfigurationResult;
    expect(lma16).toMatchObject({ n: 3, seeds: [1, 2, 3], bits: 32, method: 'none', family: 'mlp', teacherId });
    expect(lma16.accuracy.mean).toBeCloseTo(0.87, 10);
    expect(lma16.accuracy.std).toBeCloseTo(0.01, 10);
    // 0.86, 0.87, 0.88: t(0.975, 2) = 0.95 / √(2 · 0.975 · 0.025) (closed form for 2 degrees of freedom)
    const half = (0.95 / Math.sqrt(2 * 0.975 * 0.025)) * (0.01 / Math.sqrt(3));
    expect(lma16.accuracy.ci95?.low).toBeCloseTo(0.87 - half, 10);
    expect(lma16.accuracy.ci95?.high).toBeCloseTo(0.87 + half, 10);
    expect(lma16.loss.n).toBe(3);
    expect(lma16.description).toBe('student mlp 16 lma-8 · T=2 α=0.7 · mnist');
    expect(lma16.label).toBe('activation=lma-8 hidden=[16]');
    expect(lma16.runIds).toHaveLength(3);
    expect(lma16.sweepIds).toEqual([mnistSweep]);
  });

  it('agrees with the per-sweep aggregation of the same rows', async () => {
    const rows = await get<{ items: TeamResultRow[] }>(`/v1/results/runs?sweep=${mnistSweep}&limit=1000`);
    const groups = aggregateResults(rows.items as unknown as ResultRow[]);
    const configurations = await get<{ items: ConfigurationResult[] }>(`/v1/results?sweep=${mnistSweep}&limit=1000`);
    expect(configurations.items).toHaveLength(groups.length);
    for (const group of groups) {
      const c = configurations.items.find((x) => x.group === group.group) as ConfigurationResult;
      expect(c.n).toBe(group.n);
      expect(c.accuracy.mean).toBeCloseTo(group.accuracy.mean, 12);
      expect(c.accuracy.std ?? 0).toBeCloseTo(group.accuracy.std ?? 0, 12);
      expect(c.accuracy.ci95?.low ?? 0).toBeCloseTo(group.accuracy.ci95?.low ?? 0, 12);
      expect([...c.runIds].sort()).toEqual([...group.runIds].sort());
      expect(c.bytes).toBeCloseTo(group.bytes, 9);
    }
  });

  it('sorts by accuracy, best first, by default and by size on request', async () => {
    const best = await get<{ items: ConfigurationResult[] }>('/v1/results');
    const accuracies = best.items.map((c) => c.accuracy.mean);
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a));
    const smallest = await get<{ items: ConfigurationResult[] }>('/v1/results?sort=bytes');
    const sizes = smallest.items.map((c) => c.bytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  it('answers "which student is best under a size" with maxBytes and kind', async () => {
    const all = await get<{ items: ConfigurationResult[] }>('/v1/results?dataset=mnist&limit=100');
    const limit = Math.max(...all.items.filter((c) => c.bits === 4).map((c) => c.bytes));
    const page = await get<{ items: ConfigurationResult[] }>(
      `/v1/results?dataset=mnist&maxBytes=${limit}&kind=student,quantize-ptq`,
    );
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((c) => c.bytes <= limit && c.kind !== 'teacher')).toBe(true);
    expect(page.items[0]?.activation).toBe('lma-8');
  });

  it('filters by activation name or label, bits, method, data set, tag, sweep and teacher', async () => {
    const count = async (query: string) => (await get<{ total: number }>(`/v1/results?${query}`)).total;
    expect(await count('activation=lma&dataset=mnist')).toBe(6);
    expect(await count('activation=lma-8&dataset=mnist')).toBe(6);
    expect(await count('activation=lma-4')).toBe(0);
    expect(await count('bits=4')).toBe(4);
    expect(await count('bits=4,8')).toBe(8);
    expect(await count('method=ptq')).toBe(8);
    expect(await count('method=none&dataset=mnist')).toBe(5);
    expect(await count('dataset=fashion-mnist')).toBe(3);
    expect(await count('tag=fashion-tag')).toBe(3);
    expect(await count(`sweep=${fashionSweep}`)).toBe(3);
    expect(await count(`teacher=${teacherId}`)).toBe(12);
    expect(await count('family=cnn')).toBe(0);
    expect(await count('minAccuracy=0.9')).toBe(2);
  });

  it('pages with limit and offset and reports the total', async () => {
    const first = await get<{ total: number; limit: number; items: ConfigurationResult[] }>('/v1/results?limit=5');
    const past = await get<{ total: number; items: ConfigurationResult[] }>('/v1/results?limit=5&offset=100');
    expect(first).toMatchObject({ total: 16, limit: 5, offset: 0 });
    expect(first.items).toHaveLength(5);
    expect(past).toMatchObject({ total: 16, items: [] });
  });

  it('exports every matching configuration as CSV', async () => {
    const lines = await getCsvLines(api, '/v1/results?format=csv&dataset=mnist');
    expect(lines[0]).toBe(
      'group,teacherId,kind,dataset,family,activation,method,bits,label,description,n,seeds,accuracyMean,' +
        'accuracyStd,accuracyCi95Low,accuracyCi95High,lossMean,lossStd,lossCi95Low,lossCi95High,agreement,agreementPairs,parameters,bytes,' +
        'runIds,sweepIds' +
        CONFIG_CSV_HEADER,
    );
    expect(lines).toHaveLength(14);
    expect(lines.find((l) => l.includes('lma-8,ptq,4,'))).toMatch(/,3,1;2;3,0\.8/);
  });

  it('rejects a wrong filter with the parameter name and the rule', async () => {
    const issues = async (query: string) =>
      (await api.request({ method: 'GET', url: `/v1/results?${query}` })).json().error.issues;
    // Uniform widths 2–8 and 16, pq's log2(centroids) 1–16, and 32 for float.
    expect(await issues('bits=4,17')).toEqual([
      {
        path: 'bits',
        message: "'17' is not a bit width (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 32)",
      },
    ]);
    expect(await issues('limit=5000')).toEqual([
      { path: 'limit', message: 'must be at most 1000 for JSON (use format=csv to export more)' },
    ]);
    expect((await issues('sweep=abc'))[0].path).toBe('sweep');
    expect((await issues('sort=size'))[0].path).toBe('sort');
    expect((await issues('activation=gelu'))[0]).toMatchObject({ path: 'activation' });
    expect((await issues('maxBytes=-1'))[0].path).toBe('maxBytes');
  });

  it("answers 404 for another team's sweep or teacher, and shows another team nothing", async () => {
    const asOther = async (url: string) => api.request({ method: 'GET', url, as: api.otherTeam });
    expect((await asOther(`/v1/results?sweep=${mnistSweep}`)).statusCode).toBe(404);
    expect((await asOther(`/v1/results?teacher=${teacherId}`)).statusCode).toBe(404);
    expect((await asOther(`/v1/frontier?sweep=${mnistSweep}`)).statusCode).toBe(404);
    expect((await asOther('/v1/results')).json()).toMatchObject({ total: 0, items: [] });
    expect((await asOther('/v1/results/runs')).json()).toMatchObject({ total: 0, items: [] });
    expect((await asOther('/v1/frontier')).json()).toEqual({ datasets: [] });
    expect((await asOther('/v1/compare?a=relu&b=lma-8')).json()).toMatchObject({ pairs: [], values: [] });
  });
});

describe('GET /v1/results/runs', () => {
  it('returns one row per run with its configuration facts', async () => {
    const page = await get<{ total: number; items: TeamResultRow[] }>(
      `/v1/results/runs?sweep=${mnistSweep}&bits=4&sort=bytes&limit=3`,
    );
    expect(page.total).toBe(12);
    expect(page.items[0]).toMatchObject({ kind: 'quantize-ptq', method: 'ptq', bits: 4, dataset: 'mnist', teacherId });
    expect(page.items[0]?.bytes).toBeLessThanOrEqual(page.items[2]?.bytes as number);
  });

  it('exports rows as CSV', async () => {
    const lines = await getCsvLines(api, `/v1/results/runs?format=csv&sweep=${fashionSweep}`);
    expect(lines[0]).toBe(
      'runId,sweepId,key,kind,dataset,family,activation,method,bits,label,seed,accuracy,loss,parameters,bytes,' +
        'backend,group,teacherId,createdAt' +
        CONFIG_CSV_HEADER,
    );
    expect(lines).toHaveLength(1 + 5);
  });
});

/** The frontier computed the slow, obvious way from the raw rows: what a reviewer would do by hand. */
function bruteForceFrontier(rows: TeamResultRow[]): Map<string, string[]> {
  const groups = new Map<string, TeamResultRow[]>();
  for (const r of rows) {
    const key = `${r.group}|${r.teacherId}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const points = [...groups].map(([key, members]) => ({
    key,
    dataset: members[0]?.dataset as string,
    accuracy: members.reduce((s, m) => s + m.accuracy, 0) / members.length,
    bytes: members.reduce((s, m) => s + m.bytes, 0) / members.length,
  }));
  const frontier = new Map<string, string[]>();
  for (const p of points) {
    const dominated = points.some(
      (q) =>
        q !== p &&
        q.dataset === p.dataset &&
        q.bytes <= p.bytes &&
        q.accuracy >= p.accuracy &&
        (q.bytes < p.bytes || q.accuracy > p.accuracy),
    );
    if (!dominated) frontier.set(p.dataset, [...(frontier.get(p.dataset) ?? []), p.key].sort());
  }
  return frontier;
}

describe('GET /v1/frontier', () => {
  it('equals the frontier computed by hand from the raw results, per data set', async () => {
    const rows = await get<{ items: TeamResultRow[] }>('/v1/results/runs?limit=1000');
    const expected = bruteForceFrontier(rows.items);
    const { datasets } = await get<Frontier>('/v1/frontier');
    expect(datasets.map((d) => d.dataset).sort()).toEqual([...expected.keys()].sort());
    for (const d of datasets) {
      expect(d.points.map((p) => `${p.group}|${p.teacherId}`).sort()).toEqual(expected.get(d.dataset));
      const sizes = d.points.map((p) => p.bytes);
      expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    }
    expect(datasets.find((d) => d.dataset === 'mnist')?.configurations).toBe(13);
  });

  it('lists the runs behind each point', async () => {
    const { datasets } = await get<Frontier>('/v1/frontier?dataset=mnist&kind=student,quantize-ptq');
    const point = datasets[0]?.points[0];
    expect(point?.runs).toHaveLength(point?.n as number);
    expect(point?.runs.map((r) => r.seed)).toEqual(point?.seeds);
    const mean = (point?.runs ?? []).reduce((s, r) => s + r.accuracy, 0) / (point?.runs.length ?? 1);
    expect(point?.accuracy.mean).toBeCloseTo(mean, 12);
    expect(point?.accuracy.n).toBe(point?.runs.length);
    expect(point?.runIds).toEqual(point?.runs.map((r) => r.runId));
  });

  it('gives every point with two or more seeds a 95% CI, in JSON and CSV', async () => {
    const { datasets } = await get<Frontier>('/v1/frontier?dataset=mnist&kind=student,quantize-ptq');
    const points = datasets[0]?.points ?? [];
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      expect(p.n).toBe(3);
      expect(p.accuracy.ci95?.low).toBeLessThan(p.accuracy.mean);
      expect(p.accuracy.ci95?.high).toBeGreaterThan(p.accuracy.mean);
    }
    const csv = await api.request({
      method: 'GET',
      url: '/v1/frontier?dataset=mnist&kind=student,quantize-ptq&format=csv',
    });
    const [header, first] = csv.body
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const column = (name: string) => Number(first?.[header?.indexOf(name) ?? -1]);
    expect(column('accuracyCi95Low')).toBeCloseTo(points[0]?.accuracy.ci95?.low as number, 12);
    expect(first?.[header?.indexOf('runIds') ?? -1]?.split(';')).toEqual(points[0]?.runIds);
  });

  it('exports the points as CSV', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/frontier?format=csv' });
    const { datasets } = await get<Frontier>('/v1/frontier');
    const points = datasets.reduce((n, d) => n + d.points.length, 0);
    expect(res.body.trimEnd().split('\r\n')).toHaveLength(1 + points);
  });
});

describe('GET /v1/compare', () => {
  it('pairs LMA with ReLU at otherwise equal configuration, seed by seed, one test per quantization', async () => {
    const c = await get<Comparison>('/v1/compare?dimension=activation&a=relu&b=lma-8&dataset=mnist');
    // The teacher (relu) has no LMA partner.
    expect(c).toMatchObject({ dimension: 'activation', path: 'model.activation', unpaired: { a: 1, b: 0 } });
    expect(c.pairs).toHaveLength(6);
    for (const pair of c.pairs) {
      expect(pair.difference).toBeCloseTo(0.02, 10);
      expect(pair.seedPairs.map((p) => p.seed)).toEqual([1, 2, 3]);
      expect(pair.test).toMatchObject({ n: 3, status: 'zero-variance' });
      expect(pair.test.meanDifference).toBeCloseTo(0.02, 10);
      expect(pair.a.n).toBe(3);
    }
    // hidden 8 and 16 in each stratum: one pair per (configuration, seed).
    expect(c.strata.map((s) => [s.label, s.configurations, s.test.n])).toEqual([
      ['ptq 4-bit', 2, 6],
      ['ptq 8-bit', 2, 6],
      ['float', 2, 6],
    ]);
    // syntheticAccuracy gives LMA exactly 2 points at every seed: no spread, so no p-value is claimed.
    expect(c.strata[0]?.verdict).toBe('lma-8 better by the same amount in all n = 6 pairs (no variance, no p-value)');
    expect(c.pairs.map((p) => p.context)).toContain('quantize-ptq mlp 8 · T=2 α=0.7 · ptq 4-bit · mnist');
    expect(c.values).toEqual([
      { value: 'lma-8', configurations: 6 },
      { value: 'relu', configurations: 7 },
    ]);
  });

  it('answers "does LMA beat ReLU at 4 bits" with the bits filter', async () => {
    const c = await get<Comparison>('/v1/compare?a=relu&b=lma-8&bits=4');
    expect(c.pairs).toHaveLength(2);
    expect(c.pairs.every((p) => p.context.includes('4-bit'))).toBe(true);
    expect(c.pairs[0]?.a.bytes).toBeLessThan(c.pairs[1]?.a.bytes as number);
    expect(c.strata.map((s) => s.label)).toEqual(['ptq 4-bit']);
  });

  it('compares any one dimension, such as the bit width, float included', async () => {
    const c = await get<Comparison>('/v1/compare?dimension=bits&a=4&b=8');
    expect(c.pairs).toHaveLength(4);
    expect(c.strata).toHaveLength(1);
    expect(c.strata[0]?.test.meanDifference).toBeCloseTo(0.04, 10);
    const float = await get<Comparison>('/v1/compare?dimension=bits&a=32&b=4&dataset=mnist');
    expect(float.strata.map((s) => [s.label, s.test.n])).toEqual([['float vs ptq 4-bit', 12]]);
    const unpaired = await get<Comparison>('/v1/compare?a=relu&b=lma-8&dataset=fashion-mnist');
    expect(unpaired).toMatchObject({ pairs: [], strata: [], unpaired: { a: 3, b: 0 } });
  });

  it('exports the seed pairs as CSV', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/compare?a=relu&b=lma-8&format=csv' });
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]?.startsWith('dimension,stratum,context,kind,dataset,teacherId,seed,a,aRunId,aAccuracy,')).toBe(
      true,
    );
    expect(lines).toHaveLength(1 + 6 * 3);
  });

  it('rejects equal values and unknown dimensions by name', async () => {
    const same = await api.request({ method: 'GET', url: '/v1/compare?a=relu&b=relu' });
    expect(same.statusCode).toBe(400);
    expect(same.json().error.issues).toEqual([{ path: 'b', message: 'must differ from a' }]);
    const unknown = await api.request({ method: 'GET', url: '/v1/compare?dimension=colour&a=x&b=y' });
    expect(unknown.json().error.issues[0].path).toBe('dimension');
    const missing = await api.request({ method: 'GET', url: '/v1/compare' });
    expect(missing.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['a', 'b']);
  });
});

describe('the result_facts read model', () => {
  it('holds one row per result with the facts packages/spec derives from its run', async () => {
    const runs = await api.db.run.findMany({ where: { sweepId: mnistSweep }, include: { result: true, parent: true } });
    const facts = new Map(
      (await api.db.resultFact.findMany({ where: { sweepId: mnistSweep } })).map((f) => [f.runId, f]),
    );
    expect(facts.size).toBe(runs.filter((r) => r.result).length);
    for (const run of runs) {
      const config = run.config as unknown as RunConfig;
      const teacher = run.kind === 'teacher' ? null : run.kind === 'quantize-ptq' ? run.parent?.parentId : run.parentId;
      const teacherRun = runs.find((r) => r.id === teacher);
      expect(facts.get(run.id)).toMatchObject({
        teamId: api.team.teamId,
        groupHash: run.groupHash,
        teacherId: teacher,
        teacherKey: teacher === null ? '' : teacherRun?.identity,
        kind: run.kind,
        dataset: config.dataset.name,
        family: config.model?.family,
        activation:
          config.model === null || config.model.family === 'imported'
            ? 'imported'
            : activationLabel(config.model.activation),
        method: config.quantize?.method ?? 'none',
        bits: run.result?.bits,
        seed: config.seed,
        accuracy: run.result?.accuracy,
      });
    }
  });

  it('follows a result that changes or goes away', async () => {
    const run = await api.db.run.findFirstOrThrow({ where: { sweepId: fashionSweep, kind: 'teacher' } });
    await api.db.result.update({ where: { runId: run.id }, data: { accuracy: 0.5 } });
    expect((await api.db.resultFact.findUniqueOrThrow({ where: { runId: run.id } })).accuracy).toBe(0.5);
    await api.db.result.update({ where: { runId: run.id }, data: { accuracy: 0.97 } });
    const student = await api.db.run.findFirstOrThrow({ where: { sweepId: fashionSweep, key: 's0.seed2' } });
    const kept = await api.db.result.findUniqueOrThrow({ where: { runId: student.id } });
    await api.db.result.delete({ where: { runId: student.id } });
    expect(await api.db.resultFact.findUnique({ where: { runId: student.id } })).toBeNull();
    await api.db.result.create({ data: { ...kept, sizeBreakdown: kept.sizeBreakdown ?? undefined } });
    expect(await api.db.resultFact.findUnique({ where: { runId: student.id } })).not.toBeNull();
  });
});
