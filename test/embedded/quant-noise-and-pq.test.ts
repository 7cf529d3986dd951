import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedApiSweep, runEmbeddedApiSweep } from './support/embedded-api-sweep.ts';

const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };

/** A teacher, an MLP 16-8-3 student per seed, and its plain QAT, Quant-Noise and iPQ variants. */
const SPEC = {
  name: 'quant-noise-and-pq',
  tags: ['compression'],
  dataset: SYNTHETIC,
  teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN, seed: 301 },
  students: {
    model: { family: 'mlp', hidden: [8], activation: { name: 'lma', segments: 4 }, batchNorm: true },
    train: TRAIN,
    distill: { temperature: 2, alpha: 0.5 },
  },
  quantize: [
    { method: 'qat', bits: 4 },
    { method: 'qat', bits: 4, noise: 0.25 },
    { method: 'pq', blockSize: 8, centroids: 4, noise: 0.1 },
  ],
  seeds: [1, 2],
};

interface PlannedRun {
  key: string;
  kind: string;
  label: string;
  predicted: { bytes: number; codeBytes: number; headerBytes: number; floatBytes: number };
}
interface RunRow {
  id: string;
  key: string;
  kind: string;
  state: string;
  label: string;
  result: { bytes: number; bits: number; sizeBreakdown: Record<string, number> | null } | null;
}

/**
 * Quant-Noise and iPQ through the API and the in-process executor over the embedded store, as `distillery serve`
 * runs them: the dry run's planned sizes, real training, the measured sizes, results, CSV, frontier and compare.
 */
describe('Quant-Noise and iPQ sweeps end to end', () => {
  let sweep: EmbeddedApiSweep<PlannedRun>;
  let plan: PlannedRun[];
  let runs: RunRow[];
  let sweepId: string;

  const get = async <T>(url: string): Promise<T> => {
    const res = await sweep.request('GET', url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };

  beforeAll(async () => {
    sweep = await runEmbeddedApiSweep<PlannedRun>(SPEC, 'lab');
    ({ plan, sweepId } = sweep);
    runs = (await get<{ items: RunRow[] }>(`/v1/sweeps/${sweepId}/runs`)).items;
  }, 240_000);
  afterAll(async () => {
    await sweep?.close();
  });

  it('plans and trains every variant, labelled with its noise and codebook', () => {
    expect(plan.map((r) => r.kind).sort()).toEqual([...Array(6).fill('quantize-qat'), 'student', 'student', 'teacher']);
    const labels = plan.filter((r) => r.key.startsWith('s0.seed1.q')).map((r) => r.label);
    expect(labels[0]).toContain('· qat 4-bit · ');
    expect(labels[1]).toContain('· qat 4-bit noise=0.25 · ');
    expect(labels[2]).toContain('· pq k=4 bs=8 noise=0.1 · ');
    expect(runs.every((r) => r.state === 'succeeded')).toBe(true);
  });

  it('measures on the packed artifacts exactly the sizes the dry run planned, pq included', () => {
    for (const planned of plan) {
      const run = runs.find((r) => r.key === planned.key);
      expect(run?.result?.bytes, planned.key).toBe(planned.predicted.bytes);
      expect(run?.result?.sizeBreakdown, planned.key).toMatchObject({
        codeBytes: planned.predicted.codeBytes,
        headerBytes: planned.predicted.headerBytes,
        floatBytes: planned.predicted.floatBytes,
      });
    }
    // dense_1/kernel [16, 8]: 16 blocks, 2-bit assignments (4 bytes) + 4·8 float16 (64 bytes); dense_2/kernel
    // [8, 3]: 3 blocks, 3 centroids, 2 bits (1 byte) + 3·8·2 = 48 bytes.
    const pq = runs.find((r) => r.key === 's0.seed1.q2');
    expect(pq?.result?.sizeBreakdown).toMatchObject({ codeBytes: 4 + 1, headerBytes: 64 + 48 });
    expect(pq?.result?.bits).toBe(2);
  });

  it('exports quantize.noise, blockSize and centroids as CSV columns', async () => {
    const res = await sweep.request('GET', `/v1/sweeps/${sweepId}/results?format=csv`);
    const [header, ...lines] = res.body.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    const cell = (key: string, column: string) =>
      lines.map((l) => l.split(',')).find((c) => c[columns.indexOf('key')] === key)?.[columns.indexOf(column)];
    expect([cell('s0.seed1.q0', 'quantize.noise'), cell('s0.seed1.q1', 'quantize.noise')]).toEqual(['1', '0.25']);
    expect(cell('s0.seed1.q2', 'quantize.method')).toBe('pq');
    expect(cell('s0.seed1.q2', 'quantize.blockSize')).toBe('8');
    expect(cell('s0.seed1.q2', 'quantize.centroids')).toBe('4');
    expect(cell('s0.seed1.q2', 'quantize.noise')).toBe('0.1');
  });

  it('filters results by method pq, answers the frontier, and compares along method and noise, paired on seed', async () => {
    const results = await get<{ items: { method: string }[] }>(`/v1/results?sweep=${sweepId}&method=pq`);
    expect(results.items.map((r) => r.method)).toEqual(['pq']);
    await get(`/v1/frontier?sweep=${sweepId}`);
    const method = await get<{ strata: { label: string; test: { n: number } }[] }>(
      `/v1/compare?dimension=method&a=qat&b=pq&sweep=${sweepId}`,
    );
    expect(method.strata.map((s) => [s.label, s.test.n]).sort()).toEqual([
      ['qat 4-bit noise=0.25 vs pq k=4 bs=8 noise=0.1', 2],
      ['qat 4-bit vs pq k=4 bs=8 noise=0.1', 2],
    ]);
    const noise = await get<{ strata: { label: string; test: { n: number } }[] }>(
      `/v1/compare?dimension=noise&a=1&b=0.25&sweep=${sweepId}`,
    );
    expect(noise.strata.map((s) => [s.label, s.test.n])).toEqual([['qat 4-bit vs qat 4-bit noise=0.25', 2]]);
  });
});
