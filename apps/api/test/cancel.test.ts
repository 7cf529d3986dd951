import { claimRun, completeRun } from '@distillery/db';
import { describe, expect, it } from 'vitest';
import { quickstart, STAND_IN_RESULT, submitSweep, useTestApi } from './helper.ts';

const api = useTestApi();

const cancel = (url: string, as = api.team) => api.request({ method: 'POST', url, as });
const runsOf = (sweepId: string) => api.db.run.findMany({ where: { sweepId }, orderBy: { position: 'asc' } });

describe('POST /v1/runs/:id/cancel', () => {
  it('cancels a running run and everything downstream of it, with the reason recorded', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const [teacher] = await runsOf(sweepId);
    await claimRun(api.store, teacher?.id as string, 1, 'w1');
    const res = await cancel(`/v1/runs/${teacher?.id}/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    const runs = await runsOf(sweepId);
    expect(res.json()).toEqual({ id: teacher?.id, state: 'cancelled', cancelledRunIds: expect.any(Array) });
    expect([...res.json().cancelledRunIds].sort()).toEqual(runs.map((r) => r.id).sort());
    expect(runs.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(runs[1]?.skippedReason).toBe(`parent run teacher (${teacher?.id}) was cancelled`);
    expect((await api.db.sweep.findUniqueOrThrow({ where: { id: sweepId } })).state).toBe('cancelled');
  });

  it('takes a queued run off the queue', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const [teacher] = await runsOf(sweepId);
    expect(await api.queuedRunIds()).toContain(teacher?.id);
    await cancel(`/v1/runs/${teacher?.id}/cancel`);
    expect(await api.queuedRunIds()).not.toContain(teacher?.id);
  });

  it('is idempotent, and leaves a finished run as it is', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const [teacher] = await runsOf(sweepId);
    await claimRun(api.store, teacher?.id as string, 1, 'w1');
    await completeRun(api.store, teacher?.id as string, 1, STAND_IN_RESULT, []);
    const res = await cancel(`/v1/runs/${teacher?.id}/cancel`);
    expect(res.json()).toEqual({ id: teacher?.id, state: 'succeeded', cancelledRunIds: [] });
    const student = (await runsOf(sweepId))[1];
    expect((await cancel(`/v1/runs/${student?.id}/cancel`)).json().cancelledRunIds).toHaveLength(2);
    expect((await cancel(`/v1/runs/${student?.id}/cancel`)).json()).toEqual({
      id: student?.id,
      state: 'cancelled',
      cancelledRunIds: [],
    });
    expect(await api.db.result.count({ where: { runId: teacher?.id } })).toBe(1);
  });

  it("answers 404 for another team's run and for an id that names nothing", async () => {
    const sweepId = await submitSweep(api, quickstart());
    const [teacher] = await runsOf(sweepId);
    const res = await cancel(`/v1/runs/${teacher?.id}/cancel`, api.otherTeam);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await cancel('/v1/runs/not-a-run/cancel')).statusCode).toBe(404);
    expect((await runsOf(sweepId))[0]?.state).toBe('queued');
  });
});

describe('POST /v1/sweeps/:id/cancel', () => {
  it('cancels every unfinished run and removes its queued work', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const res = await cancel(`/v1/sweeps/${sweepId}/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: sweepId, state: 'cancelled' });
    expect(res.json().cancelledRunIds).toHaveLength(5);
    const ids = new Set((await runsOf(sweepId)).map((r) => r.id));
    expect((await api.queuedRunIds()).filter((id) => ids.has(id))).toEqual([]);
    expect((await cancel(`/v1/sweeps/${sweepId}/cancel`)).json()).toEqual({
      id: sweepId,
      state: 'cancelled',
      cancelledRunIds: [],
    });
  });

  it('keeps training a teacher that another sweep waits for, cancelling only its own dependents', async () => {
    const spec = quickstart();
    const first = await submitSweep(api, spec);
    // Other seeds: the second sweep shares only the teacher (it would reuse identical students too).
    const second = await submitSweep(api, { ...spec, name: 'second', seeds: [2] });
    const [teacher] = await runsOf(first);
    expect((await runsOf(second)).every((r) => r.kind !== 'teacher')).toBe(true);
    const res = await cancel(`/v1/sweeps/${first}/cancel`);
    expect(res.json()).toMatchObject({ state: 'running' });
    expect(res.json().cancelledRunIds).toHaveLength(4);
    expect((await runsOf(first))[0]).toMatchObject({ id: teacher?.id, state: 'queued' });
    expect((await runsOf(second)).map((r) => r.state)).toEqual(['waiting', 'waiting', 'waiting', 'waiting']);
  });

  it("answers 404 for another team's sweep", async () => {
    const sweepId = await submitSweep(api, quickstart());
    expect((await cancel(`/v1/sweeps/${sweepId}/cancel`, api.otherTeam)).statusCode).toBe(404);
  });
});
