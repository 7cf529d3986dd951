import type { TestEmbeddedStore } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedApiSweep, runEmbeddedApiSweep } from './support/embedded-api-sweep.ts';

const TRAIN = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
/**
 * A BatchNorm MLP teacher on synthetic 4×4 images; MLP students (relu and lma-4, two seeds) trained on the
 * training split and on 300 inputs synthesized from the teacher's BatchNorm statistics, each with an 8-bit PTQ
 * and a 4-bit QAT variant: 1 teacher + 1 synthesize + 2·2·2·3 = 26 runs.
 */
const SWEEP = {
  name: 'data-free',
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: { model: { family: 'mlp', hidden: [24], activation: 'relu', batchNorm: true }, train: TRAIN, seed: 41 },
  students: {
    model: { family: 'mlp', hidden: [12], activation: 'relu' },
    train: TRAIN,
    data: { method: 'bns', samples: 300, steps: 10, batchSize: 100 },
    grid: {
      'data.source': ['real', 'synthetic'],
      'model.activation': ['relu', { name: 'lma', segments: 4 }],
    },
  },
  quantize: [
    { method: 'ptq', bits: 8 },
    { method: 'qat', bits: 4 },
  ],
  seeds: [1, 2],
};

interface PlanRun {
  key: string;
  kind: string;
  label: string;
  parentKey: string | null;
  predicted: { bytes: number; estimated: boolean };
}

describe('a data-free sweep (students on BNS-synthesized inputs beside students on the training split), through the API and the in-process executor', () => {
  let sweep: EmbeddedApiSweep<PlanRun>;
  let embedded: TestEmbeddedStore;
  let plan: PlanRun[];
  let sweepId: string;
  const request = (method: 'GET' | 'POST', url: string) => sweep.request(method, url);

  beforeAll(async () => {
    sweep = await runEmbeddedApiSweep<PlanRun>(SWEEP, 'data-free');
    ({ embedded, plan, sweepId } = sweep);
  }, 300_000);
  afterAll(() => sweep?.close());

  it('plans one synthesize run after the teacher, the parent of every synthetic student and QAT run', () => {
    expect(plan).toHaveLength(26);
    const d0 = plan.find((r) => r.key === 'd0') as PlanRun;
    expect([d0.kind, d0.parentKey, d0.label]).toEqual(['synthesize', 'teacher', 'synthetic bns 300 · seed 0']);
    // 300 inputs of 16 bytes and a 2-byte label each.
    expect(d0.predicted).toMatchObject({ bytes: 300 * 18, estimated: false });
    const synthetic = plan.filter((r) => r.label.includes('synthetic bns 300') && r.kind !== 'synthesize');
    expect(synthetic).toHaveLength(12);
    for (const r of synthetic) expect(r.parentKey).toBe(r.kind === 'quantize-ptq' ? r.key.replace(/\.q0$/, '') : 'd0');
    const real = plan.filter((r) => r.kind === 'student' && !r.label.includes('synthetic'));
    expect(real.map((r) => r.parentKey)).toEqual(['teacher', 'teacher', 'teacher', 'teacher']);
  });

  it('trains every run and measures the planned bytes, the synthesize run’s data set included', async () => {
    const runs = await embedded.db.run.findMany({ where: { sweepId }, include: { result: true } });
    expect(runs).toHaveLength(26);
    for (const r of runs) {
      expect(r.state).toBe('succeeded');
      expect(r.result?.bytes).toBe(plan.find((p) => p.key === r.key)?.predicted.bytes);
    }
    // Students on synthetic data trained on other rows than those on the training split, tested on the same.
    const digest = (key: string) => runs.find((r) => r.key === key)?.result?.splitDigest;
    const onReal = plan.find((r) => r.kind === 'student' && !r.label.includes('synthetic'))?.key as string;
    const onSynthetic = plan.find((r) => r.kind === 'student' && r.label.includes('synthetic'))?.key as string;
    expect(digest(onSynthetic)).not.toBe(digest(onReal));
    // Students of one synthesis and one model shape train as a pack, as on real data: a job that claimed a
    // synthetic student took the other seed of its configuration with it (packedBy names the claiming run).
    const synthetic = runs.filter((r) => r.kind === 'student' && r.label.includes('synthetic'));
    const packed = synthetic.filter((r) => r.packedBy !== null);
    expect(packed.length).toBeGreaterThan(0);
    for (const r of packed) expect(synthetic.map((s) => s.id)).toContain(r.packedBy);
    // The same training path as students on real data: the fused step, recorded with the result.
    const path = (key: string) => runs.find((r) => r.key === key)?.result?.trainPath;
    expect(path(onSynthetic)).toBe(path(onReal));
  });

  it('serves the synthesize run’s data set as files', async () => {
    const d0 = await embedded.db.run.findFirstOrThrow({ where: { sweepId, key: 'd0' } });
    const inputs = await request('GET', `/v1/runs/${d0.id}/artifacts/inputs.bin`);
    expect(inputs.statusCode, inputs.body).toBe(200);
    expect(inputs.rawPayload.length).toBe(300 * 16);
    const meta = (await request('GET', `/v1/runs/${d0.id}/artifacts/dataset.json`)).json() as {
      shape: number[];
      data: { method: string; samples: number };
    };
    expect([meta.shape, meta.data.method, meta.data.samples]).toEqual([[4, 4, 1], 'bns', 300]);
    expect((await request('GET', `/v1/runs/${d0.id}/artifacts/model.json`)).statusCode).toBe(404);
  });

  it('filters results by data source, and keeps the synthesize run out of results', async () => {
    const res = await request('GET', `/v1/results/runs?sweep=${sweepId}&dataSource=synthetic&limit=100`);
    expect(res.statusCode, res.body).toBe(200);
    const items = (res.json() as { items: { kind: string; dimensions: Record<string, unknown> }[] }).items;
    expect(items).toHaveLength(12);
    for (const i of items)
      expect([i.dimensions['data.source'], i.dimensions['data.method']]).toEqual(['synthetic', 'bns']);
    const all = (await request('GET', `/v1/results/runs?sweep=${sweepId}&limit=100`)).json() as {
      items: { kind: string }[];
    };
    expect(all.items).toHaveLength(25);
    expect(all.items.some((i) => i.kind === 'synthesize')).toBe(false);
    const sweepRows = (await request('GET', `/v1/sweeps/${sweepId}/results`)).json() as { rows: { kind: string }[] };
    expect(sweepRows.rows.some((r) => r.kind === 'synthesize')).toBe(false);
  });

  it('exports data.source, data.method and data.samples as CSV columns', async () => {
    const res = await request('GET', `/v1/sweeps/${sweepId}/results?format=csv`);
    const [header, ...lines] = res.body.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    const at = (name: string) => columns.indexOf(name);
    const rows = lines.map((l) => l.split(','));
    const sources = new Set(
      rows.map((cells) => `${cells[at('data.source')]}/${cells[at('data.method')]}/${cells[at('data.samples')]}`),
    );
    expect([...sources].sort()).toEqual(['real//', 'synthetic/bns/300']);
  });

  it('compares synthetic with real data along dimension=data.source, paired on seed, per quantization', async () => {
    const res = await request('GET', `/v1/compare?dimension=data.source&a=real&b=synthetic&sweep=${sweepId}`);
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json() as {
      path: string;
      strata: { label: string; configurations: number; test: { n: number } }[];
      pairs: { context: string }[];
    };
    expect(c.path).toBe('data.source');
    // Float students, their 8-bit PTQ and the 4-bit QAT runs; two activations × two seeds each.
    expect(c.strata.map((s) => [s.configurations, s.test.n])).toEqual([
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
    expect(c.pairs.every((p) => !p.context.includes('bns'))).toBe(true);
    const named = await request('GET', `/v1/compare?dimension=source&a=real&b=synthetic&sweep=${sweepId}`);
    expect((named.json() as { path: string }).path).toBe('data.source');
  });

  it('draws the frontier through model results only', async () => {
    const frontier = await request('GET', `/v1/frontier?sweep=${sweepId}&format=json`);
    expect(frontier.statusCode, frontier.body).toBe(200);
    expect(JSON.stringify(frontier.json())).not.toContain('synthesize');
  });
});
