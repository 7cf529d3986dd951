import type { TestEmbeddedStore } from '@distillery/db/testing';
import { loadDataset } from '@distillery/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedApiSweep, runEmbeddedApiSweep } from './support/embedded-api-sweep.ts';

const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
const DATASET = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 }, validation: 0.2 };
/**
 * KD against CREMBO on synthetic 4×4 images: one MLP 16-8-3 student distilled both ways (a grid over
 * distill.method: the base is CREMBO over 4 thresholds, and the KD point starts from KD's defaults, T = 2 and
 * α = 0.7), three seeds each, an 8-bit PTQ variant of every student: 1 + 6 + 6 runs.
 */
const SWEEP = {
  name: 'crembo',
  dataset: DATASET,
  teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN, seed: 41 },
  students: {
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: TRAIN,
    distill: { method: 'crembo', thresholds: 4 },
    grid: { 'distill.method': ['kd', 'crembo'] },
  },
  quantize: [{ method: 'ptq', bits: 8 }],
  seeds: [1, 2, 3],
};

interface PlanRun {
  key: string;
  kind: string;
  label: string;
  crembo: { thresholds: number; loss: string; maxEpochs: number; validation: number } | null;
}
interface Agreement {
  value: number | null;
  pairs: number;
}
interface Configuration {
  kind: string;
  label: string;
  runIds: string[];
  agreement: Agreement;
  dimensions: Record<string, unknown>;
}

describe('a sweep distilling one student by KD and by CREMBO, through the API and the in-process executor', () => {
  let sweep: EmbeddedApiSweep<PlanRun>;
  let embedded: TestEmbeddedStore;
  let plan: PlanRun[];
  let sweepId: string;
  const request = (method: 'GET' | 'POST', url: string, payload?: object) => sweep.request(method, url, payload);

  beforeAll(async () => {
    sweep = await runEmbeddedApiSweep<PlanRun>(SWEEP, 'crembo');
    ({ embedded, plan, sweepId } = sweep);
  }, 240_000);
  afterAll(() => sweep?.close());

  it('plans both methods in the dry run, labelled by the grid', () => {
    expect(plan.filter((r) => r.kind === 'student').map((r) => r.label)).toEqual([
      'method="kd" · seed 1',
      'method="kd" · seed 2',
      'method="kd" · seed 3',
      'method="crembo" · seed 1',
      'method="crembo" · seed 2',
      'method="crembo" · seed 3',
    ]);
    // A CREMBO run's search is bounded before training: 4 thresholds × 2 epochs; KD runs have none.
    const crembo = { thresholds: 4, loss: 'bce', maxEpochs: 8, validation: 0.2 };
    expect(plan.filter((r) => r.kind !== 'teacher').map((r) => [r.key, r.crembo])).toEqual(
      plan
        .filter((r) => r.kind !== 'teacher')
        .map((r) => [r.key, r.key.startsWith('s1.') && r.kind === 'student' ? crembo : null]),
    );
  });

  it('trains every run, CREMBO students through its search on the reference step', async () => {
    const runs = await embedded.db.run.findMany({ where: { sweepId }, include: { result: true } });
    expect(runs).toHaveLength(13);
    for (const r of runs) expect(r.state).toBe('succeeded');
    const crembo = runs.filter((r) => r.kind === 'student' && r.key.startsWith('s1.'));
    expect(crembo.map((r) => (r.config as { distill: unknown }).distill)).toEqual(
      Array(3).fill({ method: 'crembo', thresholds: 4, loss: 'bce' }),
    );
    for (const r of crembo) expect(r.result?.trainPath).toBe('reference');
    const kd = runs.filter((r) => r.kind === 'student' && r.key.startsWith('s0.'));
    expect(kd.map((r) => (r.config as { distill: unknown }).distill)).toEqual(
      Array(3).fill({ temperature: 2, alpha: 0.7 }),
    );
  });

  it('reports each configuration’s agreement between its 3 seeds (3 pairs), as its stored predictions give it', async () => {
    const res = await request('GET', `/v1/results?sweep=${sweepId}&kind=student,quantize-ptq`);
    expect(res.statusCode, res.body).toBe(200);
    const items = (res.json() as { items: Configuration[] }).items;
    expect(items).toHaveLength(4);
    // A run's test rows are the test split's first limit.test rows, in order.
    const labels = loadDataset(DATASET as never).test.labels;
    for (const c of items) {
      expect(c.agreement.pairs).toBe(3);
      const results = await embedded.db.result.findMany({ where: { runId: { in: c.runIds } } });
      const predictions = results.map((r) => r.testPredictions as Uint8Array);
      // Every replicate's predictions are its test answers: as many as test rows, right as often as its accuracy.
      for (const [i, p] of predictions.entries()) {
        expect(p).toHaveLength(100);
        let right = 0;
        p.forEach((c, j) => {
          if (c === labels[j]) right++;
        });
        expect(right / 100).toBeCloseTo(results[i]?.accuracy as number, 10);
      }
      let sum = 0;
      for (const [a, b] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ] as const) {
        sum += (predictions[a] as Uint8Array).filter((v, j) => v === (predictions[b] as Uint8Array)[j]).length / 100;
      }
      expect(c.agreement.value).toBeCloseTo(sum / 3, 12);
    }
    expect(items.map((c) => c.dimensions['distill.method']).sort()).toEqual(['crembo', 'crembo', 'kd', 'kd']);
  });

  it('puts agreement and the CREMBO columns beside accuracy in the CSV, the sweep’s groups and the frontier', async () => {
    const csv = await request('GET', `/v1/results?sweep=${sweepId}&format=csv`);
    const [header, ...lines] = csv.body.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    for (const c of ['agreement', 'agreementPairs', 'distill.method', 'distill.thresholds', 'distill.loss']) {
      expect(columns).toContain(c);
    }
    const crembo = lines
      .map((l) => l.split(','))
      .filter((cells) => cells[columns.indexOf('distill.method')] === 'crembo');
    expect(
      crembo.map((cells) => [cells[columns.indexOf('agreementPairs')], cells[columns.indexOf('distill.thresholds')]]),
    ).toEqual([
      ['3', '4'],
      ['3', '4'],
    ]);
    const groups = ((await request('GET', `/v1/sweeps/${sweepId}/results`)).json() as { groups: Configuration[] })
      .groups;
    expect(groups.filter((g) => g.kind !== 'teacher').map((g) => g.agreement.pairs)).toEqual([3, 3, 3, 3]);
    // The teacher is one run: no pair.
    expect(groups.find((g) => g.kind === 'teacher')?.agreement).toEqual({ value: null, pairs: 0 });
    const frontier = (await request('GET', `/v1/frontier?sweep=${sweepId}&kind=student,quantize-ptq`)).json() as {
      datasets: { points: Configuration[] }[];
    };
    const points = frontier.datasets[0]?.points ?? [];
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expect(p.agreement.pairs).toBe(3);
  });

  it('compares CREMBO with KD along dimension=distill.method, paired on seed per quantization', async () => {
    const res = await request('GET', `/v1/compare?dimension=distill.method&a=kd&b=crembo&sweep=${sweepId}`);
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json() as {
      path: string;
      strata: { configurations: number; test: { n: number } }[];
      values: { value: string; configurations: number }[];
    };
    expect(c.path).toBe('distill.method');
    expect(c.strata.map((s) => [s.configurations, s.test.n])).toEqual([
      [1, 3],
      [1, 3],
    ]);
    expect(c.values).toEqual([
      { value: 'crembo', configurations: 2 },
      { value: 'kd', configurations: 2 },
      { value: 'none', configurations: 1 },
    ]);
  });
});
