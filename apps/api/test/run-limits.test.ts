import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import { buildTestApi, quickstart, type TestApi, useTestApi } from './helper.ts';

const post = (api: TestApi, spec: object, url = '/v1/sweeps', as = api.team) =>
  api.request({ method: 'POST', url, payload: spec, as });

const teacherWith = (hidden: number[]) => {
  const teacher = quickstart().teacher as Record<string, unknown>;
  return { ...teacher, model: { family: 'mlp', hidden, activation: 'relu' } };
};

describe('POST /v1/sweeps with the default run limits', () => {
  const api = useTestApi();

  it('refuses a teacher of 65,536 × 65,536 with a 400 naming the field, not a 500 from the database', async () => {
    const res = await post(api, quickstart({ teacher: teacherWith([65_536, 65_536]) }));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'teacher.model', message: expect.stringMatching(/more than the limit of 100000000$/) }],
    });
  });

  it('refuses a 531 M-parameter teacher that used to be queued, in a dry run too', async () => {
    for (const url of ['/v1/sweeps', '/v1/sweeps?dryRun=true']) {
      const res = await post(api, quickstart({ teacher: teacherWith([8000, 65_536]) }), url);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.issues).toEqual([
        { path: 'teacher.model', message: 'the teacher has 531288906 parameters, more than the limit of 100000000' },
      ]);
    }
  });

  it('refuses 10,000 classes', async () => {
    const res = await post(api, quickstart({ dataset: { name: 'synthetic', classes: 10_000 } }));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.issues).toEqual([
      { path: 'dataset.classes', message: '10000 classes are more than the limit of 1000' },
    ]);
  });

  it('states the limits and the quota in /docs', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const description: string = doc.paths['/v1/sweeps'].post.description;
    expect(description).toContain('`maxParameters` 100,000,000');
    expect(description).toContain('`maxClasses` 1,000');
    expect(description).toContain('waiting to start: 10,000 runs');
  });
});

describe('POST /v1/sweeps with an operator’s limits and quota', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await buildTestApi({
      runLimits: { maxParameters: 200_000 },
      queuedRunQuota: { maxQueuedRuns: 5, retryAfterSeconds: 30 },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('validates with the operator’s limits and states them in /docs', async () => {
    const res = await post(api, quickstart({ teacher: teacherWith([512]) }), '/v1/sweeps?dryRun=true');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.issues).toEqual([
      { path: 'teacher.model', message: 'the teacher has 407050 parameters, more than the limit of 200000' },
    ]);
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.paths['/v1/sweeps'].post.description).toContain('`maxParameters` 200,000');
  });

  it('answers 429 with retry-after once the team’s runs waiting to start would pass the quota', async () => {
    // quickstart: a teacher, two students and a PTQ variant of each: 5 runs waiting to start.
    expect((await post(api, quickstart())).statusCode).toBe(201);
    const res = await post(api, quickstart());
    expect(res.statusCode, res.body).toBe(429);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.json().error).toEqual({
      code: 'QUOTA_EXCEEDED',
      message:
        'the team has 5 runs waiting to start and this sweep adds 5, more than the quota of 5; retry in 30 s, when ' +
        'some have started',
    });
  });

  it('counts each team’s runs apart, and dry runs count nothing', async () => {
    expect((await post(api, quickstart(), '/v1/sweeps?dryRun=true')).statusCode).toBe(200);
    expect((await post(api, quickstart(), '/v1/sweeps', api.otherTeam)).statusCode).toBe(201);
  });
});

describe('POST /v1/sweeps at the quota with runs the team already has', () => {
  let api: TestApi;
  const spec = quickstart({ name: 'at the quota' });
  beforeAll(async () => {
    api = await buildTestApi({ queuedRunQuota: { maxQueuedRuns: 5, retryAfterSeconds: 30 } });
    // The quickstart's 5 runs fill the quota; none has started.
    expect((await post(api, spec)).statusCode).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('accepts the same spec again: every run is reused, nothing more waits to start', async () => {
    const res = await post(api, spec);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ runCount: 5, state: 'running' });
    expect(await api.db.run.count({ where: { teamId: api.team.teamId, state: { in: ['queued', 'waiting'] } } })).toBe(
      5,
    );
  });

  it('charges only the runs a sweep adds to train, and says how many it reuses', async () => {
    // The same sweep with a 4-bit PTQ variant of each student: two new runs, five reused.
    const res = await post(api, {
      ...spec,
      quantize: [
        { method: 'ptq', bits: 8 },
        { method: 'ptq', bits: 4 },
      ],
    });
    expect(res.statusCode, res.body).toBe(429);
    expect(res.json().error).toEqual({
      code: 'QUOTA_EXCEEDED',
      message:
        'the team has 5 runs waiting to start and this sweep adds 2 (and reuses 5 the team has), more than the ' +
        'quota of 5; retry in 30 s, when some have started',
    });
  });

  it('charges every run of a rerun, which trains them all again', async () => {
    const res = await post(api, { ...spec, rerun: true });
    expect(res.statusCode, res.body).toBe(429);
    expect(res.json().error.message).toMatch(/^the team has 5 runs waiting to start and this sweep adds 5, more/);
    expect(await api.db.sweep.count({ where: { teamId: api.team.teamId } })).toBe(2);
  });
});

describe('buildApp', () => {
  it('refuses a parameter limit that the runs table cannot store', async () => {
    const api = await buildTestApi();
    try {
      await expect(
        buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, runLimits: { maxParameters: 3e9 } }),
      ).rejects.toThrow('ApiOptions.runLimits.maxParameters must be at most 2147483647, got 3000000000');
    } finally {
      await api.close();
    }
  });
});
