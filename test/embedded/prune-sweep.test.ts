import type { TestEmbeddedStore } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedApiSweep, runEmbeddedApiSweep } from './support/embedded-api-sweep.ts';

const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
/**
 * MLP 16-12-3 students (relu and lma-4) on synthetic 4×4 images, two seeds, each pruned three ways (magnitude
 * 80% and 50%, SuRP 80%; two rounds of one retraining epoch) and an 8-bit PTQ of every student and every pruned
 * student: 1 + 2·2·(1 + 1 + 3·2) = 33 runs.
 */
const SWEEP = {
  name: 'prune',
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: { model: { family: 'mlp', hidden: [24], activation: 'relu' }, train: TRAIN, seed: 41 },
  students: {
    model: { family: 'mlp', hidden: [12], activation: 'relu' },
    train: TRAIN,
    grid: { 'model.activation': ['relu', { name: 'lma', segments: 4 }] },
  },
  quantize: [{ method: 'ptq', bits: 8 }],
  prune: [
    { method: 'magnitude', sparsity: 0.8, retrainEpochs: 1, rounds: 2 },
    { method: 'surp', sparsity: 0.8, retrainEpochs: 1, rounds: 2 },
    { method: 'magnitude', sparsity: 0.5, retrainEpochs: 1, rounds: 2 },
  ],
  seeds: [1, 2],
};

interface PlanRun {
  key: string;
  kind: string;
  label: string;
  parentKey: string | null;
  predicted: { bytes: number; estimated: boolean; indexBytes: number };
}

describe('a sweep with magnitude and SuRP pruning and a PTQ of each pruned student, through the API and the in-process executor', () => {
  let sweep: EmbeddedApiSweep<PlanRun>;
  let embedded: TestEmbeddedStore;
  let plan: PlanRun[];
  let sweepId: string;
  const request = (method: 'GET' | 'POST', url: string, payload?: object) => sweep.request(method, url, payload);

  beforeAll(async () => {
    sweep = await runEmbeddedApiSweep<PlanRun>(SWEEP, 'prune');
    ({ embedded, plan, sweepId } = sweep);
  }, 240_000);
  afterAll(() => sweep?.close());

  it('shows the chain student → prune → PTQ in the dry run, with exact sizes for magnitude and estimates for SuRP', () => {
    expect(plan).toHaveLength(33);
    const chain = plan.filter((r) => r.key.startsWith('s0.seed1'));
    expect(chain.map((r) => [r.key, r.kind, r.parentKey, r.predicted.estimated])).toEqual([
      ['s0.seed1', 'student', 'teacher', false],
      ['s0.seed1.q0', 'quantize-ptq', 's0.seed1', false],
      ['s0.seed1.p0', 'prune', 's0.seed1', false],
      ['s0.seed1.p0.q0', 'quantize-ptq', 's0.seed1.p0', true],
      ['s0.seed1.p1', 'prune', 's0.seed1', true],
      ['s0.seed1.p1.q0', 'quantize-ptq', 's0.seed1.p1', true],
      ['s0.seed1.p2', 'prune', 's0.seed1', false],
      ['s0.seed1.p2.q0', 'quantize-ptq', 's0.seed1.p2', true],
    ]);
    expect(chain.find((r) => r.key === 's0.seed1.p1.q0')?.label).toMatch(
      /^activation=relu · seed 1 · surp 80% 2 rounds retrain 1 · ptq 8-bit · /,
    );
    // The bitmaps of the two kernels (16·12 and 12·3 values).
    expect(chain.find((r) => r.key === 's0.seed1.p0')?.predicted.indexBytes).toBe(24 + 5);
  });

  it('trains every run and measures the planned bytes wherever the plan was exact', async () => {
    const runs = await embedded.db.run.findMany({ where: { sweepId }, include: { result: true } });
    expect(runs).toHaveLength(33);
    for (const r of runs) {
      expect(r.state).toBe('succeeded');
      const planned = plan.find((p) => p.key === r.key) as PlanRun;
      if (!planned.predicted.estimated) expect(r.result?.bytes).toBe(planned.predicted.bytes);
      const size = r.result?.sizeBreakdown as {
        codeBytes: number;
        headerBytes: number;
        floatBytes: number;
        indexBytes: number;
      };
      expect(size.codeBytes + size.headerBytes + size.floatBytes + size.indexBytes).toBe(r.result?.bytes);
    }
    const bytes = (key: string) => runs.find((r) => r.key === key)?.result?.bytes as number;
    expect(bytes('s0.seed1.p0')).toBeLessThan(bytes('s0.seed1'));
    expect(bytes('s0.seed1.p0.q0')).toBeLessThan(bytes('s0.seed1.p0'));
    expect(bytes('s0.seed1.p0')).toBeLessThan(bytes('s0.seed1.p2'));
  });

  it('exports prune.method and prune.sparsity as CSV columns, empty for runs that are not pruned', async () => {
    const res = await request('GET', `/v1/sweeps/${sweepId}/results?format=csv`);
    expect(res.statusCode, res.body).toBe(200);
    const [header, ...lines] = res.body.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    const at = (name: string) => columns.indexOf(name);
    const byKey = new Map(lines.map((l) => l.split(',')).map((cells) => [cells[at('key')], cells]));
    const cell = (key: string, name: string) => byKey.get(key)?.[at(name)];
    expect([cell('s0.seed1.p1', 'prune.method'), cell('s0.seed1.p1', 'prune.sparsity')]).toEqual(['surp', '0.8']);
    expect([cell('s1.seed2.p2.q0', 'prune.method'), cell('s1.seed2.p2.q0', 'prune.sparsity')]).toEqual([
      'magnitude',
      '0.5',
    ]);
    expect(cell('s1.seed2.p2.q0', 'quantize.bits')).toBe('8');
    expect([cell('s0.seed1', 'prune.method'), cell('s0.seed1.q0', 'prune.sparsity')]).toEqual(['', '']);
  });

  it('compares magnitude with SuRP along dimension=method, and two sparsities along dimension=sparsity, paired on seed', async () => {
    const method = await request('GET', `/v1/compare?dimension=method&a=magnitude&b=surp&sweep=${sweepId}`);
    expect(method.statusCode, method.body).toBe(200);
    const m = method.json() as { path: string; strata: { configurations: number; test: { n: number } }[] };
    expect(m.path).toBe('prune.method');
    // Pruned students and the PTQ of each, two activations × two seeds.
    expect(m.strata.map((s) => [s.configurations, s.test.n])).toEqual([
      [2, 4],
      [2, 4],
    ]);
    const sparsity = await request('GET', `/v1/compare?dimension=sparsity&a=0.5&b=0.8&sweep=${sweepId}`);
    expect(sparsity.statusCode, sparsity.body).toBe(200);
    const s = sparsity.json() as { path: string; strata: { configurations: number }[] };
    expect(s.path).toBe('prune.sparsity');
    expect(s.strata.reduce((n, x) => n + x.configurations, 0)).toBe(4);
    // dimension=method between quantization methods is still quantize.method.
    const q = await request('GET', `/v1/compare?dimension=method&a=none&b=ptq&sweep=${sweepId}`);
    expect(q.statusCode, q.body).toBe(200);
    expect((q.json() as { path: string }).path).toBe('quantize.method');
  });

  it('puts the pruned variants on the frontier', async () => {
    const frontier = await request('GET', `/v1/frontier?sweep=${sweepId}&format=json`);
    expect(frontier.statusCode, frontier.body).toBe(200);
    const text = JSON.stringify(frontier.json());
    expect(text).toMatch(/magnitude 80%|surp 80%/);
  });
});
