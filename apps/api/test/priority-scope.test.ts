import { jobPriority, RANKS_PER_BAND, runJobId } from '@distillery/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi, type TestTeam } from './helper.ts';

let api: TestApi;
/** A member of `api.team` (the helper's team keys are admins, as `team create` makes them). */
let member: TestTeam;
beforeAll(async () => {
  api = await buildTestApi();
  const res = await api.request({ method: 'POST', url: '/v1/keys', payload: { name: 'alice', role: 'member' } });
  expect(res.statusCode, res.body).toBe(201);
  member = { teamId: api.team.teamId, apiKey: res.json().apiKey };
});
afterAll(async () => {
  await api?.close();
});

/** The BullMQ priority of a sweep's teacher job (lower starts first). */
async function teacherJobPriority(sweepId: string, as: TestTeam = api.team): Promise<number> {
  const runs = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/runs?limit=100`, as });
  const teacher = runs.json().items.find((r: { key: string }) => r.key === 'teacher');
  const job = await api.queue.queue.getJob(runJobId({ runId: teacher.id, attempt: 1 }));
  if (!job) throw new Error(`no job for the teacher of ${sweepId}`);
  return job.opts.priority as number;
}

describe('a sweep priority', () => {
  it("set by a member does not put the team's runs ahead of another team's", async () => {
    const other = await submitSweep(api, quickstart({ priority: 0 }), api.otherTeam);
    const mine = await submitSweep(api, quickstart({ priority: 10 }), member);
    expect(await teacherJobPriority(mine)).toBe(await teacherJobPriority(other, api.otherTeam));
  });

  it("set by an admin key ranks across teams: its runs start before every other team's", async () => {
    const other = await submitSweep(api, quickstart({ priority: 0 }), api.otherTeam);
    const urgent = await submitSweep(api, quickstart({ priority: 10 }), api.team);
    expect(await teacherJobPriority(urgent)).toBe(1);
    expect(await teacherJobPriority(urgent)).toBeLessThan(await teacherJobPriority(other, api.otherTeam));
  });

  it("set by a member orders the team's own sweeps: a lower one waits for the open runs of its higher ones", async () => {
    // api.team has one member sweep of priority 10 open (5 runs) from the first test; the admin one is in band 10.
    const high = await submitSweep(api, quickstart({ priority: 5 }), member);
    const low = await submitSweep(api, quickstart({ priority: 0 }), member);
    const base = jobPriority({ priority: 0, position: 0 });
    expect(await teacherJobPriority(high)).toBe(base + 5);
    expect(await teacherJobPriority(low)).toBe(base + 10);
  });
});

describe('jobPriority', () => {
  it("ranks a team's lower-priority sweep after the open runs of its higher ones, within the same band", () => {
    expect(jobPriority({ position: 0, ahead: 5 })).toBe(jobPriority({ position: 5 }));
    expect(jobPriority({ position: 0, ahead: 5 })).toBeGreaterThan(jobPriority({ position: 4 }));
    expect(jobPriority({ position: 0, ahead: 10 ** 9 })).toBe(1 + 10 * RANKS_PER_BAND + RANKS_PER_BAND - 1);
  });
});
