import { claimRun, completeRun, recordEpoch } from '@distillery/db';
import { RUN_OVERHEAD_CALIBRATION } from '@distillery/spec';
import { describe, expect, it } from 'vitest';
import type { SweepPlan } from '../src/schemas/sweep-plan.ts';
import { quickstart, submitSweep, useTestApi } from './helper.ts';

const api = useTestApi();

async function dryRun(spec: Record<string, unknown>, rerun = false): Promise<SweepPlan> {
  const url = `/v1/sweeps?dryRun=true${rerun ? '&rerun=true' : ''}`;
  const res = await api.request({ method: 'POST', url, payload: spec });
  if (res.statusCode !== 200) throw new Error(`dry run: ${res.statusCode} ${res.body}`);
  return res.json() as SweepPlan;
}

const epoch = (n: number, seconds: number) => ({
  epoch: n,
  epochs: 2,
  trainLoss: 0.5,
  trainAccuracy: 0.8,
  valLoss: 0.5,
  valAccuracy: 0.8,
  learningRate: 0.001,
  seconds,
});

describe('POST /v1/sweeps?dryRun=true: estimated time', () => {
  const spec = quickstart();

  it('estimates a team that has run nothing from the calibration, and extrapolates shapes it lacks', async () => {
    const plan = await dryRun(spec);
    const teacher = plan.runs.find((r) => r.key === 'teacher');
    expect(teacher?.estimatedTime).toMatchObject({ source: 'calibration', shape: 'ce mlp 784-128-10 relu no-bn b64' });
    // The quickstart's students have no BatchNorm; the calibration holds the same layers with it.
    expect(plan.runs.find((r) => r.key === 's0.seed1')?.estimatedTime).toMatchObject({
      source: 'extrapolated',
      shape: 'kd mlp 784-16-10 relu no-bn b64',
    });
    expect(plan.estimatedTime.runsBySource).toEqual({ measured: 0, calibration: 1, extrapolated: 4 });
    expect(plan.estimatedTime.unestimatedRuns).toBe(0);
    const seconds = (key: string) => plan.runs.find((r) => r.key === key)?.estimatedTime?.seconds ?? Number.NaN;
    expect(plan.estimatedTime.trainingSeconds).toBeCloseTo(
      plan.runs.reduce((s, r) => s + (r.estimatedTime?.seconds ?? 0), 0),
      9,
    );
    // Nothing executed here: the per-run work is the calibration's (none where it has not measured it), once per
    // run alone (the quickstart packs none).
    const perRunSeconds = RUN_OVERHEAD_CALIBRATION?.perRunSeconds ?? 0;
    expect(plan.packs).toEqual([]);
    expect(plan.estimatedTime.overhead).toEqual(RUN_OVERHEAD_CALIBRATION);
    expect(plan.estimatedTime.overheadSeconds).toBeCloseTo(plan.runCount * perRunSeconds, 9);
    expect(plan.estimatedTime.totalSeconds).toBeCloseTo(
      plan.estimatedTime.trainingSeconds + plan.estimatedTime.overheadSeconds,
      9,
    );
    // Teacher → student → its PTQ variant is the longest chain, each with its per-run work.
    expect(plan.estimatedTime.criticalPathSeconds).toBeCloseTo(
      seconds('teacher') +
        Math.max(seconds('s0.seed1') + seconds('s0.seed1.q0'), seconds('s1.seed1') + seconds('s1.seed1.q0')) +
        3 * perRunSeconds,
      9,
    );
  });

  it("estimates a shape the team has run from its recorded epochs and result: the teacher's time comes back", async () => {
    await submitSweep(api, spec);
    const teacher = await api.db.run.findFirstOrThrow({ where: { teamId: api.team.teamId, key: 'teacher' } });
    const claimed = await claimRun(api.store, teacher.id, teacher.attempt, 'test-worker');
    if (claimed === null) throw new Error('could not claim the teacher');
    const attempt = claimed.run.attempt;
    expect(await recordEpoch(api.store, teacher.id, attempt, epoch(1, 3))).toBe(true);
    expect(await recordEpoch(api.store, teacher.id, attempt, epoch(2, 5))).toBe(true);
    await completeRun(
      api.store,
      teacher.id,
      attempt,
      {
        accuracy: 0.95,
        loss: 0.2,
        parameters: 1,
        bytes: teacher.predictedBytes,
        bits: 32,
        backend: 'wasm',
        seconds: 10,
        splitDigest: '0'.repeat(64),
      },
      [],
    );

    const plan = await dryRun(spec, true);
    const estimate = plan.runs.find((r) => r.key === 'teacher')?.estimatedTime;
    // 8 s of epochs over 2 × 5,400 training rows, 2 s more over the 7,000 rows read: the same rows give 10 s.
    expect(estimate).toMatchObject({ source: 'measured', backend: 'wasm', runs: 1 });
    expect(estimate?.seconds).toBeCloseTo(10, 9);
    // 2 epochs × ceil(5,400 / 64) = 85 steps.
    expect(estimate?.msPerStep).toBeCloseTo(8000 / 170, 9);
    expect(plan.estimatedTime.runsBySource).toEqual({ measured: 1, calibration: 0, extrapolated: 4 });

    // Twice the epochs: twice the epoch part, the rest unchanged.
    const longer = await dryRun(
      quickstart({
        teacher: {
          ...(spec.teacher as object),
          train: { epochs: 4, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
        },
      }),
      true,
    );
    expect(longer.runs.find((r) => r.key === 'teacher')?.estimatedTime?.seconds).toBeCloseTo(18, 9);

    // The teacher held its thread 10.5 s from claim to result, 10 s of it its execution: 0.5 s of per-run work,
    // which this team's estimates now add to every run alone in place of the calibration's.
    await api.store.rows`
      UPDATE runs SET started_at = '2026-12-01T10:00:00Z', finished_at = '2026-12-01T10:00:10.5Z'
      WHERE id = ${teacher.id}::uuid RETURNING id`;
    const timed = await dryRun(spec, true);
    expect(timed.estimatedTime.overhead).toEqual({
      perRunSeconds: 0.5,
      perPackSeconds: 0.5,
      runs: 1,
      packs: 0,
      source: 'measured',
    });
    expect(timed.estimatedTime.overheadSeconds).toBeCloseTo(0.5 * timed.runCount, 9);
    expect(timed.estimatedTime.totalSeconds).toBeCloseTo(
      timed.runs.reduce((s, r) => s + (r.estimatedTime?.seconds ?? 0), 0) + 0.5 * timed.runCount,
      9,
    );

    // Without --rerun the submitted sweep's teacher would be reused: it counts as no time.
    const reused = await dryRun(spec);
    expect(reused.runs.find((r) => r.key === 'teacher')?.reusedFrom).not.toBeNull();
    expect(reused.estimatedTime.runsBySource.measured).toBe(0);
    // Every run of the submitted sweep would be reused: no per-run work either.
    expect(reused.runs.every((r) => r.reusedFrom !== null)).toBe(true);
    expect(reused.estimatedTime.overheadSeconds).toBe(0);
  });
});
