import { predictRunSize, type RunConfig, type SizeBreakdown } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultGroup } from '../src/index.ts';
import { buildTestApi, CONFIG_CSV_HEADER, getCsvLines, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;
let sweepId: string;

/** Accuracies per run key: students and their PTQ variants over three seeds. */
const ACCURACY: Record<string, number> = {
  teacher: 0.97,
  's0.seed1': 0.9,
  's0.seed2': 0.92,
  's0.seed3': 0.94,
  's0.seed1.q0': 0.89,
  's0.seed2.q0': 0.91,
  's1.seed1': 0.8,
  's1.seed2': 0.9,
  // s1.seed3 and the remaining PTQ variants have no result yet.
};

/** The digest stored with the students' results; the teacher's is left out, as for a result from before digests. */
const SPLIT_DIGEST = 'c0ffee'.repeat(10).padEnd(64, '0');

beforeAll(async () => {
  api = await buildTestApi();
  sweepId = await submitSweep(api, quickstart({ seeds: [1, 2, 3] }));
  const runs = await api.db.run.findMany({ where: { sweepId } });
  await api.db.result.createMany({
    data: runs
      .filter((r) => ACCURACY[r.key] !== undefined)
      .map((r) => ({
        runId: r.id,
        accuracy: ACCURACY[r.key] as number,
        loss: 1 - (ACCURACY[r.key] as number),
        parameters: r.predictedParameters,
        bytes: r.predictedBytes,
        // What the worker stores: the breakdown measured on the artifact, which equals the prediction.
        ...(r.key === 's0.seed1' || r.key === 's0.seed1.q0'
          ? { sizeBreakdown: sizeBreakdownOf(r.config as unknown as RunConfig) }
          : {}),
        bits: r.bits,
        backend: 'wasm',
        seconds: 1,
        splitDigest: r.kind === 'teacher' ? null : SPLIT_DIGEST,
      })),
  });
});
afterAll(async () => {
  await api?.close();
});

function sizeBreakdownOf(config: RunConfig) {
  const { parameters: _p, bits: _b, estimated: _e, ...breakdown } = predictRunSize(config);
  return breakdown;
}

describe('GET /v1/sweeps/:id/results', () => {
  it('returns one row per run with a result', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results` });
    expect(res.statusCode, res.body).toBe(200);
    const { rows } = res.json();
    expect(rows.map((r: { key: string }) => r.key)).toEqual([
      'teacher',
      's0.seed1',
      's0.seed1.q0',
      's0.seed2',
      's0.seed2.q0',
      's0.seed3',
      's1.seed1',
      's1.seed2',
    ]);
    expect(rows[1]).toMatchObject({
      kind: 'student',
      label: 'activation=relu · seed 1',
      seed: 1,
      bits: 32,
      accuracy: 0.9,
      backend: 'wasm',
      splitDigest: SPLIT_DIGEST,
    });
    expect(rows[0].splitDigest).toBeNull();
    expect(Object.keys(rows[1]).sort()).toEqual(
      [
        'runId',
        'key',
        'kind',
        'label',
        'seed',
        'bits',
        'accuracy',
        'loss',
        'parameters',
        'bytes',
        'sizeBreakdown',
        'backend',
        'group',
        'splitDigest',
        'dimensions',
      ].sort(),
    );
  });

  it('carries the measured size breakdown, whose parts sum to the bytes, and null where none was stored', async () => {
    const { rows } = (await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results` })).json();
    const byKey = new Map(rows.map((r: { key: string }) => [r.key, r]));
    const ptq = byKey.get('s0.seed1.q0') as { bytes: number; sizeBreakdown: SizeBreakdown };
    const { codeBytes, headerBytes, floatBytes, quantizedFraction } = ptq.sizeBreakdown;
    expect(codeBytes + headerBytes + floatBytes).toBe(ptq.bytes);
    expect(ptq.sizeBreakdown.bytes).toBe(ptq.bytes);
    expect(codeBytes).toBe(784 * 16 + 16 * 10); // one byte per kernel value at 8 bits
    expect(quantizedFraction).toBeGreaterThan(0.99);
    const student = byKey.get('s0.seed1') as { bytes: number; sizeBreakdown: SizeBreakdown };
    expect(student.sizeBreakdown).toMatchObject({ codeBytes: 0, headerBytes: 0, floatBytes: student.bytes });
    expect((byKey.get('s0.seed2') as { sizeBreakdown: unknown }).sizeBreakdown).toBeNull();
  });

  it('aggregates replicates into groups with n, mean, sample std and the 95% CI of accuracy', async () => {
    const { rows, groups } = (await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results` })).json();
    const byLabel = new Map((groups as ResultGroup[]).map((g) => [g.label, g]));
    expect([...byLabel.keys()]).toEqual([
      'teacher mlp 128 relu',
      'activation=relu',
      'activation=relu · ptq 8-bit · 99.7% of values quantized',
      'activation=lma-8',
    ]);
    const relu = byLabel.get('activation=relu') as ResultGroup;
    expect(relu).toMatchObject({ kind: 'student', n: 3, seeds: [1, 2, 3], bits: 32 });
    expect(relu.accuracy.mean).toBeCloseTo(0.92, 10);
    expect(relu.accuracy.std).toBeCloseTo(0.02, 10);
    // By hand: 0.90, 0.92, 0.94 → mean 0.92, std 0.02; with 2 degrees of freedom the t quantile has the closed
    // form t(0.975, 2) = 0.95 / √(2 · 0.975 · 0.025) = 4.3027, so the half-width is 4.3027 · 0.02 / √3 = 0.04968.
    const half = (0.95 / Math.sqrt(2 * 0.975 * 0.025)) * (0.02 / Math.sqrt(3));
    expect(relu.accuracy.n).toBe(3);
    expect(relu.accuracy.ci95?.low).toBeCloseTo(0.92 - half, 10);
    expect(relu.accuracy.ci95?.high).toBeCloseTo(0.92 + half, 10);
    // Every group names its runs: the rows with the group's hash.
    const reluRuns = (rows as { runId: string; group: string }[]).filter((r) => r.group === relu.group);
    expect(relu.runIds).toEqual(reluRuns.map((r) => r.runId));
    const lma = byLabel.get('activation=lma-8') as ResultGroup;
    expect(lma.n).toBe(2);
    expect(lma.accuracy.mean).toBeCloseTo(0.85, 10);
    expect(lma.accuracy.std).toBeCloseTo(Math.SQRT2 * 0.05, 10);
    const ptq = byLabel.get('activation=relu · ptq 8-bit · 99.7% of values quantized') as ResultGroup;
    expect(ptq).toMatchObject({ kind: 'quantize-ptq', n: 2, bits: 8 });
    expect(ptq.accuracy.mean).toBeCloseTo(0.9, 10);
    expect(ptq.bytes).toBeLessThan(relu.bytes);
    const teacher = byLabel.get('teacher mlp 128 relu') as ResultGroup;
    expect(teacher).toMatchObject({ n: 1, accuracy: { n: 1, mean: 0.97, std: null, ci95: null } });
  });

  it('returns the rows as CSV with ?format=csv', async () => {
    const lines = await getCsvLines(api, `/v1/sweeps/${sweepId}/results?format=csv`);
    expect(lines[0]).toBe(
      'runId,key,kind,label,seed,bits,accuracy,loss,parameters,bytes,backend,group,splitDigest,' +
        'codeBytes,headerBytes,floatBytes,quantizedFraction' +
        CONFIG_CSV_HEADER,
    );
    expect(lines).toHaveLength(9);
    expect(lines[2]).toMatch(/^[0-9a-f-]{36},s0\.seed1,student,activation=relu · seed 1,1,32,0\.9,0\.0999/);
    // The student's measured breakdown: all float; s0.seed2 has none stored, so its four cells are empty.
    expect(lines[2]).toMatch(/,0,0,50920,0,mnist,/);
    expect(lines[4]).toMatch(/,s0\.seed2,.*,,,,,mnist,/);
    // The split digest follows the group; a teacher stored without one has an empty field.
    const header = (lines[0] as string).split(',');
    const cell = (line: string, column: string) => line.split(',')[header.indexOf(column)];
    expect(cell(lines[2] as string, 'splitDigest')).toBe(SPLIT_DIGEST);
    expect(
      lines
        .slice(1)
        .filter((l) => cell(l, 'kind') === 'teacher')
        .map((l) => cell(l, 'splitDigest')),
    ).toEqual(['']);
  });

  it('quotes CSV fields that hold commas', async () => {
    const id = await submitSweep(
      api,
      quickstart({ students: { ...(quickstart().students as object), grid: { 'model.hidden': [[8, 8]] } } }),
    );
    const run = await api.db.run.findFirstOrThrow({ where: { sweepId: id, kind: 'student' } });
    await api.db.result.create({
      data: { runId: run.id, accuracy: 0.5, loss: 1, parameters: 1, bytes: 4, bits: 32, backend: 'cpu', seconds: 1 },
    });
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${id}/results?format=csv` });
    expect(res.body.split('\r\n')[1]).toContain(',"hidden=[8,8] · seed 1",');
  });

  it('returns no rows and no groups before any result', async () => {
    const id = await submitSweep(api, quickstart());
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${id}/results` });
    expect(res.json()).toEqual({ rows: [], groups: [] });
  });

  it('rejects an unknown format with the parameter name', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results?format=xml` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['format']);
  });

  it('answers 404 for an unknown sweep', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/sweeps/00000000-0000-4000-8000-000000000000/results' });
    expect(res.statusCode).toBe(404);
  });
});
