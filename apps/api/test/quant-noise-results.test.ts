import type { RunConfig } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../src/schemas/comparison.ts';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';
import { storeResults } from './support-results.ts';

// Hand-made accuracies: Quant-Noise at 0.1 gains 1, 2, 3 points over plain QAT at seeds 1, 2, 3, on both
// students; the seed effect is shared, so pairing on seed removes it.
const SEED_EFFECT = [0, 0.04, -0.02];
const NOISE_GAIN = [0.01, 0.02, 0.03];

let api: TestApi;
let sweepId: string;

beforeAll(async () => {
  api = await buildTestApi();
  sweepId = await submitSweep(
    api,
    quickstart({
      name: 'quant-noise',
      quantize: [
        { method: 'qat', bits: 4 },
        { method: 'qat', bits: 4, noise: 0.1 },
      ],
      seeds: [1, 2, 3],
    }),
  );
  await storeResults(api, sweepId, ({ kind, config }: { kind: string; config: RunConfig }) => {
    if (kind === 'teacher') return 0.97;
    const i = config.seed - 1;
    const noisy = config.quantize?.noise === 0.1 ? (NOISE_GAIN[i] as number) : 0;
    return 0.8 + (SEED_EFFECT[i] as number) + noisy - (config.quantize ? 0.05 : 0);
  });
});
afterAll(async () => {
  await api?.close();
});

describe('Quant-Noise in results', () => {
  it('labels a noisy QAT run with its rate and leaves plain QAT as it was', async () => {
    const runs = await api.db.run.findMany({ where: { sweepId, kind: 'quantize-qat' }, orderBy: { key: 'asc' } });
    const labels = runs.filter((r) => r.key.startsWith('s0.seed1')).map((r) => r.label);
    expect(labels[0]).toMatch(/· qat 4-bit · /);
    expect(labels[1]).toMatch(/· qat 4-bit noise=0\.1 · /);
  });

  it("exports quantize.noise as a column: the rate, 1 for plain QAT, empty where there's no training noise", async () => {
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results?format=csv` });
    const [header, ...lines] = res.body.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    const noise = columns.indexOf('quantize.noise');
    const key = columns.indexOf('key');
    expect(noise).toBeGreaterThan(0);
    const byKey = new Map(lines.map((l) => l.split(',')).map((cells) => [cells[key], cells[noise]]));
    expect(byKey.get('s0.seed1.q0')).toBe('1');
    expect(byKey.get('s0.seed1.q1')).toBe('0.1');
    expect(byKey.get('s0.seed1')).toBe('');
    expect(byKey.get('teacher')).toBe('');
  });

  it('compares plain QAT with Quant-Noise along dimension=noise, paired on seed', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/compare?dimension=noise&a=1&b=0.1' });
    expect(res.statusCode).toBe(200);
    const c = res.json() as Comparison;
    expect(c.path).toBe('quantize.noise');
    expect(c.strata.map((s) => [s.label, s.configurations, s.test.n])).toEqual([
      ['qat 4-bit vs qat 4-bit noise=0.1', 2, 6],
    ]);
    // B − A per seed: 1, 2, 3 points for both students: mean 2 points.
    expect(c.strata[0]?.test.meanDifference).toBeCloseTo(0.02, 10);
    expect(c.unpaired).toEqual({ a: 0, b: 0 });
  });
});
