import type { TestEmbeddedStore } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedApiSweep, runEmbeddedApiSweep } from './support/embedded-api-sweep.ts';

const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
/**
 * Structured Multi-Hashing students on synthetic 4×4 images: an MLP 16-8-3 whose two kernels (N = 16·8 + 8·3 =
 * 152 values, m = ⌈√152⌉ = 13) come from pools of k = ⌊0.25·152/13⌋ = 2 and ⌊0.125·152/13⌋ = 1 columns, two
 * seeds each, and an 8-bit PTQ variant of each student: 1 + 4 + 4 runs.
 */
const SWEEP = {
  name: 'smh',
  tags: ['smh'],
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN, seed: 41 },
  students: {
    model: { family: 'mlp', hidden: [8], activation: { name: 'lma', segments: 4 }, smh: { fraction: 0.5 } },
    train: TRAIN,
    grid: { 'model.smh.fraction': [0.5, 0.25] },
  },
  quantize: [{ method: 'ptq', bits: 8 }],
  seeds: [1, 2],
};

interface PlanRun {
  key: string;
  kind: string;
  label: string;
  predicted: { parameters: number; bytes: number };
  smh: { kernelValues: number; m: number; k: number; poolValues: number } | null;
}

describe('a sweep of SMH students over model.smh.fraction, through the API and the in-process executor', () => {
  let sweep: EmbeddedApiSweep<PlanRun>;
  let embedded: TestEmbeddedStore;
  let plan: PlanRun[];
  let sweepId: string;
  const request = (method: 'GET' | 'POST', url: string, payload?: object) => sweep.request(method, url, payload);

  beforeAll(async () => {
    sweep = await runEmbeddedApiSweep<PlanRun>(SWEEP, 'smh');
    ({ embedded, plan, sweepId } = sweep);
  }, 120_000);
  afterAll(() => sweep?.close());

  it('plans each pool before training: m, k and its 2mk values in the dry run, inside the parameters', () => {
    const students = plan.filter((r) => r.kind === 'student');
    expect(students.map((r) => [r.label, r.smh])).toEqual([
      ['smh.fraction=0.5 · seed 1', { kernelValues: 152, m: 13, k: 2, poolValues: 52 }],
      ['smh.fraction=0.5 · seed 2', { kernelValues: 152, m: 13, k: 2, poolValues: 52 }],
      ['smh.fraction=0.25 · seed 1', { kernelValues: 152, m: 13, k: 1, poolValues: 26 }],
      ['smh.fraction=0.25 · seed 2', { kernelValues: 152, m: 13, k: 1, poolValues: 26 }],
    ]);
    // Besides the pool: 2 scales, biases 8 + 3, LMA α β 2·4, and its running μ, σ and step count (the sweep's
    // default statistics, bias-corrected) 3.
    expect(students.map((r) => r.predicted.parameters)).toEqual([52, 52, 26, 26].map((p) => p + 2 + 11 + 8 + 3));
    expect(plan.find((r) => r.kind === 'teacher')?.smh).toBeNull();
  });

  it('trains every run and measures exactly the bytes the plan predicted', async () => {
    const runs = await embedded.db.run.findMany({ where: { sweepId }, include: { result: true } });
    expect(runs).toHaveLength(9);
    for (const r of runs) {
      expect(r.state).toBe('succeeded');
      expect(r.result?.bytes).toBe(r.predictedBytes);
      expect(r.result?.bytes).toBe(plan.find((p) => p.key === r.key)?.predicted.bytes);
    }
    // The 8-bit PTQ variants store L and R as codes: smaller than their float students.
    const bytes = (key: string) => runs.find((r) => r.key === key)?.result?.bytes as number;
    expect(bytes('s0.seed1.q0')).toBeLessThan(bytes('s0.seed1'));
  });

  it('exports model.smh.fraction as a CSV column, empty for the dense teacher', async () => {
    const res = await request('GET', `/v1/sweeps/${sweepId}/results?format=csv`);
    expect(res.statusCode, res.body).toBe(200);
    const [header, ...lines] = res.body.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    const fraction = columns.indexOf('model.smh.fraction');
    const key = columns.indexOf('key');
    expect(fraction).toBeGreaterThan(0);
    const byKey = new Map(lines.map((l) => l.split(',')).map((cells) => [cells[key], cells[fraction]]));
    expect(byKey.get('s0.seed1')).toBe('0.5');
    expect(byKey.get('s1.seed2.q0')).toBe('0.25');
    expect(byKey.get('teacher')).toBe('');
  });

  it('compares the two fractions along dimension=smh.fraction, paired on seed, and puts them on the frontier', async () => {
    const compare = await request('GET', `/v1/compare?dimension=smh.fraction&a=0.5&b=0.25&sweep=${sweepId}`);
    expect(compare.statusCode, compare.body).toBe(200);
    const c = compare.json() as { path: string; strata: { configurations: number; test: { n: number } }[] };
    expect(c.path).toBe('model.smh.fraction');
    // Float students and their PTQ variants, two seeds each.
    expect(c.strata.map((s) => [s.configurations, s.test.n])).toEqual([
      [1, 2],
      [1, 2],
    ]);
    const frontier = await request('GET', `/v1/frontier?sweep=${sweepId}&format=json`);
    expect(frontier.statusCode, frontier.body).toBe(200);
    const points = (frontier.json() as { datasets: { points: unknown[] }[] }).datasets[0]?.points ?? [];
    expect(points.length).toBeGreaterThan(0);
  });
});
