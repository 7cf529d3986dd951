import { claimRun, completeRun, failRun } from '@distillery/db';
import { describe, expect, it } from 'vitest';
import { quickstart, STAND_IN_RESULT, submitSweep, useTestApi } from './helper.ts';

const api = useTestApi();

const teachersOf = (teamId: string) => api.db.run.findMany({ where: { teamId, kind: 'teacher' } });

describe('two sweeps with the same teacher', () => {
  it('train one teacher when submitted at the same moment, and both wait for it', async () => {
    // Other seeds in the second sweep: its students are new runs (identical ones would be reused, see
    // run-reuse.test.ts), only the teacher is shared.
    const spec = quickstart({ name: 'twins' });
    const [a, b] = await Promise.all([
      submitSweep(api, spec),
      submitSweep(api, { ...spec, name: 'twins-2', seeds: [2] }),
    ]);
    const teachers = await api.db.run.findMany({ where: { sweepId: { in: [a, b] }, kind: 'teacher' } });
    expect(teachers).toHaveLength(1);
    const teacherId = teachers[0]?.id;
    const students = await api.db.run.findMany({ where: { sweepId: { in: [a, b] }, kind: 'student' } });
    expect(students).toHaveLength(4);
    expect(students.every((s) => s.parentId === teacherId && s.state === 'waiting')).toBe(true);
  });

  it('queue the later sweep at once when the teacher already succeeded', async () => {
    const spec = quickstart({ name: 'after' });
    const first = await submitSweep(api, spec);
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: first, kind: 'teacher' } });
    await claimRun(api.store, teacher.id, 1, 'w');
    await completeRun(api.store, teacher.id, 1, STAND_IN_RESULT, []);
    const second = await submitSweep(api, { ...spec, name: 'after-2', seeds: [2] });
    const runs = await api.db.run.findMany({ where: { sweepId: second }, orderBy: { position: 'asc' } });
    expect(runs.map((r) => [r.kind, r.state])).toEqual([
      ['student', 'queued'],
      ['quantize-ptq', 'waiting'],
      ['student', 'queued'],
      ['quantize-ptq', 'waiting'],
    ]);
    expect(runs.filter((r) => r.kind === 'student').every((r) => r.parentId === teacher.id)).toBe(true);
  });

  it('train a new teacher when the earlier one failed', async () => {
    const spec = quickstart({ name: 'retrain' });
    const first = await submitSweep(api, spec);
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: first, kind: 'teacher' } });
    await claimRun(api.store, teacher.id, 1, 'w');
    await failRun(api.store, teacher.id, 1, 'boom');
    const second = await submitSweep(api, { ...spec, name: 'retrain-2' });
    expect(await api.db.run.count({ where: { sweepId: second, kind: 'teacher' } })).toBe(1);
  });

  it("never reuse another team's teacher", async () => {
    const spec = quickstart({ name: 'teams' });
    await submitSweep(api, spec);
    await submitSweep(api, spec, api.otherTeam);
    const mine = await teachersOf(api.team.teamId);
    const theirs = await teachersOf(api.otherTeam.teamId);
    expect(theirs).toHaveLength(1);
    expect(mine.some((t) => t.id === theirs[0]?.id)).toBe(false);
  });
});

describe('a dry run', () => {
  it('names the teacher a submission would reuse, and plans it as reused rather than trained', async () => {
    const spec = quickstart({ name: 'dry' });
    const first = await submitSweep(api, spec);
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: first, kind: 'teacher' } });
    const res = await api.request({ method: 'POST', url: '/v1/sweeps?dryRun=true', payload: { ...spec, seeds: [2] } });
    expect(res.statusCode, res.body).toBe(200);
    const plan = res.json();
    expect(plan.reusedTeacherRunId).toBe(teacher.id);
    expect(plan).toMatchObject({ runCount: 5, reusedRunCount: 1 });
    expect(plan.runs[0]).toMatchObject({
      key: 'teacher',
      reusedFrom: { sweepId: first, runId: teacher.id, key: 'teacher' },
    });
    expect(plan.runs.filter((r: { kind: string }) => r.kind === 'student')).toMatchObject([
      { parentKey: 'teacher', parentRunId: teacher.id, reusedFrom: null },
      { parentKey: 'teacher', parentRunId: teacher.id, reusedFrom: null },
    ]);
  });

  it('shows every run with its config and predicted size', async () => {
    const res = await api.request({ method: 'POST', url: '/v1/sweeps?dryRun=true', payload: quickstart() });
    const plan = res.json();
    expect(plan.reusedTeacherRunId).toBeNull();
    const ptq = plan.runs.find((r: { kind: string }) => r.kind === 'quantize-ptq');
    expect(ptq).toMatchObject({
      parentKey: 's0.seed1',
      config: { kind: 'quantize-ptq', quantize: { method: 'ptq', bits: 8 }, train: null },
      predicted: { bits: 8 },
    });
    expect(ptq.configHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
