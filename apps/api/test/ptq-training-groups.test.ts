import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../src/schemas/comparison.ts';
import type { SweepResults } from '../src/schemas/sweep-results.ts';
import type { ConfigurationResultList } from '../src/schemas/team-results.ts';
import { buildTestApi, getJson, quickstart, submitSweep, type TestApi } from './helper.ts';
import { storeResults } from './support-results.ts';

// Students that differ only in training (1 or 3 epochs), each with an 8-bit PTQ variant, one seed. A PTQ run's
// config has no training of its own, so only its student tells the two variants apart.
let api: TestApi;
let sweepId: string;

/** Accuracy by run key: the 3-epoch student beats the 1-epoch one by 4 points, and so do their PTQ variants. */
const ACCURACY: Record<string, number> = {
  teacher: 0.97,
  's0.seed1': 0.8,
  's0.seed1.q0': 0.79,
  's1.seed1': 0.84,
  's1.seed1.q0': 0.83,
};

const get = <T>(url: string) => getJson<T>(api, url);

beforeAll(async () => {
  api = await buildTestApi();
  const base = quickstart();
  sweepId = await submitSweep(
    api,
    quickstart({
      students: { ...(base.students as object), grid: { 'train.epochs': [1, 3] } },
      quantize: [{ method: 'ptq', bits: 8 }],
      seeds: [1],
    }),
  );
  await storeResults(api, sweepId, ({ key }) => ACCURACY[key]);
});
afterAll(async () => {
  await api?.close();
});

describe('PTQ variants of students that differ only in training', () => {
  it('are two configurations of one replicate each in the sweep results, not one of two', async () => {
    const { groups } = await get<SweepResults>(`/v1/sweeps/${sweepId}/results`);
    const ptq = groups.filter((g) => g.kind === 'quantize-ptq');
    expect(ptq.map((g) => [g.label.split(' · ')[0], g.n, g.seeds, g.accuracy.mean])).toEqual([
      ['epochs=1', 1, [1], 0.79],
      ['epochs=3', 1, [1], 0.83],
    ]);
  });

  it('are two configurations of one replicate each in the team results', async () => {
    const list = await get<ConfigurationResultList>(`/v1/results?kind=quantize-ptq&sort=accuracy`);
    expect(list.items.map((c) => [c.n, c.seeds, c.accuracy.mean])).toEqual([
      [1, [1], 0.79],
      [1, [1], 0.83],
    ]);
  });

  it('pair along train.epochs by their students’ training, each with the variant of the other student', async () => {
    const c = await get<Comparison>('/v1/compare?dimension=epochs&a=1&b=3');
    // Each value: a float student and its PTQ variant (the teacher trained for 2 epochs).
    expect(c.values).toEqual([
      { value: '1', configurations: 2 },
      { value: '2', configurations: 1 },
      { value: '3', configurations: 2 },
    ]);
    expect(c.unpaired).toEqual({ a: 0, b: 0 });
    const ptq = c.pairs.find((p) => p.stratum === 'ptq 8-bit');
    const runs = await api.db.run.findMany({ where: { sweepId }, select: { id: true, key: true } });
    const keyOf = new Map(runs.map((r) => [r.id, r.key]));
    expect(ptq?.seedPairs.map((p) => [p.seed, keyOf.get(p.aRunId), keyOf.get(p.bRunId)])).toEqual([
      [1, 's0.seed1.q0', 's1.seed1.q0'],
    ]);
    expect(ptq?.difference).toBeCloseTo(0.04, 10);
  });
});
