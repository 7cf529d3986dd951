import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { contractExamples, quickstart, submitSweep, useTestApi } from './helper.ts';

const api = useTestApi();

const post = (payload: string | object, contentType = 'application/json', url = '/v1/sweeps') =>
  api.request({
    method: 'POST',
    url,
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

interface Run {
  id: string;
  key: string;
  kind: string;
  parentId: string | null;
  state: string;
  attempt: number;
}

async function runsOf(sweepId: string): Promise<Run[]> {
  const res = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/runs` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

describe('POST /v1/sweeps', () => {
  describe('with a valid spec', () => {
    for (const { file, yaml } of contractExamples()) {
      it(`accepts ${file} unchanged as YAML`, async () => {
        const res = await post(yaml, 'application/yaml');
        expect(res.statusCode, res.body).toBe(201);
        expect(res.headers.location).toBe(`/v1/sweeps/${res.json().id}`);
      });

      it(`accepts ${file} as JSON`, async () => {
        const res = await post(parseYaml(yaml));
        expect(res.statusCode, res.body).toBe(201);
      });
    }

    it('accepts text/yaml and application/x-yaml too', async () => {
      const yaml = contractExamples().find((e) => e.file === 'quickstart.yaml')?.yaml ?? '';
      expect((await post(yaml, 'text/yaml')).statusCode).toBe(201);
      expect((await post(yaml, 'application/x-yaml; charset=utf-8')).statusCode).toBe(201);
    });

    it('answers 201 with the sweep summary, its run counts and a Location header', async () => {
      const res = await post(quickstart());
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(res.headers.location).toBe(`/v1/sweeps/${body.id}`);
      expect(body).toMatchObject({
        name: 'quickstart',
        tags: ['demo'],
        state: 'running',
        runCount: 5,
        finishedAt: null,
        counts: { waiting: 4, queued: 1, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
        totals: { runs: 5, finished: 0, results: 0, progress: 0 },
      });
      expect(body.specHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('stores the spec as submitted, the canonical spec and its hash', async () => {
      const spec = quickstart();
      const id = (await post(spec)).json().id;
      const row = await api.db.sweep.findUniqueOrThrow({ where: { id } });
      expect(row.spec).toEqual(spec);
      expect(row.canonical).toEqual(spec);
      expect(row.teamId).toBe(api.team.teamId);
      expect(row.state).toBe('running');
    });

    it('stores every planned run with its parent, initial state and attempt 1', async () => {
      const id = await submitSweep(api, quickstart());
      const runs = await runsOf(id);
      const byKey = new Map(runs.map((r) => [r.key, r]));
      expect(runs.map((r) => [r.key, r.kind, r.state])).toEqual([
        ['teacher', 'teacher', 'queued'],
        ['s0.seed1', 'student', 'waiting'],
        ['s0.seed1.q0', 'quantize-ptq', 'waiting'],
        ['s1.seed1', 'student', 'waiting'],
        ['s1.seed1.q0', 'quantize-ptq', 'waiting'],
      ]);
      expect(byKey.get('teacher')?.parentId).toBeNull();
      expect(byKey.get('s0.seed1')?.parentId).toBe(byKey.get('teacher')?.id);
      expect(byKey.get('s1.seed1')?.parentId).toBe(byKey.get('teacher')?.id);
      expect(byKey.get('s0.seed1.q0')?.parentId).toBe(byKey.get('s0.seed1')?.id);
      expect(byKey.get('s1.seed1.q0')?.parentId).toBe(byKey.get('s1.seed1')?.id);
      expect(runs.every((r) => r.attempt === 1)).toBe(true);
      const teacher = await api.db.run.findUniqueOrThrow({ where: { id: byKey.get('teacher')?.id ?? '' } });
      expect(teacher.queuedAt).toBeInstanceOf(Date);
      const student = await api.db.run.findUniqueOrThrow({ where: { id: byKey.get('s0.seed1')?.id ?? '' } });
      expect(student.queuedAt).toBeNull();
    });

    it('stores a sweep near the 5,000-run ceiling', async () => {
      const base = quickstart();
      const students = base.students as Record<string, unknown>;
      const spec = quickstart({
        name: 'large',
        students: {
          ...students,
          grid: {
            'model.hidden': Array.from({ length: 249 }, (_, i) => [i + 1]),
            'model.activation': ['relu', 'swish'],
          },
        },
        quantize: [
          { method: 'ptq', bits: 8 },
          { method: 'ptq', bits: 4 },
          { method: 'qat', bits: 4 },
          { method: 'qat', bits: 8 },
        ],
        seeds: [1, 2],
        budget: { maxRuns: 5000 },
      });
      const res = await post(spec);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ runCount: 4981, counts: { queued: 1, waiting: 4980 } });
    });

    it('puts exactly the queued runs on the queue', async () => {
      const id = await submitSweep(api, quickstart({ quantize: [{ method: 'qat', bits: 4 }], seeds: [1, 2] }));
      const runs = await runsOf(id);
      const ids = new Set(runs.map((r) => r.id));
      const onQueue = (await api.queuedRunIds()).filter((runId) => ids.has(runId));
      expect(onQueue).toEqual([runs.find((r) => r.key === 'teacher')?.id]);
      const jobs = await api.queue.queue.getJobs(['waiting', 'prioritized']);
      expect(jobs.find((j) => j.data.runId === onQueue[0])?.data).toEqual({ runId: onQueue[0], attempt: 1 });
    });
  });

  describe('with ?dryRun=true', () => {
    it('returns the expanded plan with predicted sizes', async () => {
      const res = await post(quickstart(), 'application/json', '/v1/sweeps?dryRun=true');
      expect(res.statusCode, res.body).toBe(200);
      const plan = res.json();
      expect(plan.runCount).toBe(5);
      expect(plan.runs.map((r: { key: string; parentKey: string | null }) => [r.key, r.parentKey])).toEqual([
        ['teacher', null],
        ['s0.seed1', 'teacher'],
        ['s0.seed1.q0', 's0.seed1'],
        ['s1.seed1', 'teacher'],
        ['s1.seed1.q0', 's1.seed1'],
      ]);
      // 784·128 + 128 + 128·10 + 10 weights and biases in float32.
      expect(plan.runs[0]).toMatchObject({
        kind: 'teacher',
        label: 'teacher mlp 128 relu',
        predicted: { parameters: 101_770, bytes: 407_080, bits: 32 },
      });
      expect(plan.runs[2].predicted.bits).toBe(8);
      expect(plan.runs[2].predicted.bytes).toBeLessThan(plan.runs[1].predicted.bytes);
    });

    it('stores nothing and queues nothing', async () => {
      const before = { sweeps: await api.db.sweep.count(), runs: await api.db.run.count() };
      const queued = (await api.queuedRunIds()).length;
      const res = await post(quickstart({ name: 'dry' }), 'application/json', '/v1/sweeps?dryRun=true');
      expect(res.statusCode).toBe(200);
      expect({ sweeps: await api.db.sweep.count(), runs: await api.db.run.count() }).toEqual(before);
      expect((await api.queuedRunIds()).length).toBe(queued);
    });

    it('lists the students that train together as packs: per teacher and pack key, up to ?packMax each', async () => {
      const spec = quickstart({ seeds: [1, 2, 3] });
      const res = await post(spec, 'application/json', '/v1/sweeps?dryRun=true');
      expect(res.statusCode, res.body).toBe(200);
      // relu and LMA students differ in their parameters' shapes, so each activation packs on its own.
      expect(res.json().packMax).toBe(8);
      expect(res.json().packs.map((p: { keys: string[]; parent: string }) => [p.parent, p.keys])).toEqual([
        ['teacher', ['s0.seed1', 's0.seed2', 's0.seed3']],
        ['teacher', ['s1.seed1', 's1.seed2', 's1.seed3']],
      ]);
      const small = await post(spec, 'application/json', '/v1/sweeps?dryRun=true&packMax=2');
      expect(small.json().packs.map((p: { keys: string[] }) => p.keys)).toEqual([
        ['s0.seed1', 's0.seed2'],
        ['s1.seed1', 's1.seed2'],
      ]);
      const off = await post(spec, 'application/json', '/v1/sweeps?dryRun=true&packMax=1');
      expect(off.json().packs).toEqual([]);
    });

    it('rejects a packMax outside 1–64 with the parameter name', async () => {
      const res = await post(quickstart(), 'application/json', '/v1/sweeps?dryRun=true&packMax=0');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['packMax']);
    });

    it('rejects a dryRun value that is not a boolean with the parameter name', async () => {
      const res = await post(quickstart(), 'application/json', '/v1/sweeps?dryRun=perhaps');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['dryRun']);
    });
  });

  describe('with a malformed body', () => {
    it('rejects malformed JSON', async () => {
      const res = await post('{"name": "x",');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('MALFORMED_BODY');
      expect(res.json().error.message).toMatch(/^malformed JSON: /);
    });

    it('rejects malformed YAML', async () => {
      const res = await post('name: [unclosed\nteacher: {', 'application/yaml');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('MALFORMED_BODY');
      expect(res.json().error.message).toMatch(/^malformed YAML: /);
    });

    it('rejects an empty JSON body', async () => {
      const res = await post('');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('MALFORMED_BODY');
    });

    it('rejects YAML that expands aliases without bound', async () => {
      const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 0; i < 120; i++) lines.push(`b${i}: &b${i} [*a, *a]`);
      const res = await post(lines.join('\n'), 'application/yaml');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('DOCUMENT_TOO_COMPLEX');
    });
  });

  describe('with an invalid spec', () => {
    it('rejects an unknown top-level field by name', async () => {
      const res = await post(quickstart({ colour: 'blue' }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchInlineSnapshot(`
        {
          "error": {
            "code": "VALIDATION_FAILED",
            "issues": [
              {
                "message": "unknown field 'colour' (allowed: name, tags, dataset, teacher, students, quantize, prune, seeds, budget, priority, rerun)",
                "path": "colour",
              },
            ],
            "message": "the request body is invalid",
          },
        }
      `);
    });

    it('rejects an unknown nested field with its path', async () => {
      const spec = quickstart();
      (spec.students as { train: Record<string, unknown> }).train.epochz = 3;
      const res = await post(spec);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([
        {
          path: 'students.train.epochz',
          message: "unknown field 'epochz' — did you mean 'epochs'? (allowed: epochs, batchSize, optimizer, schedule)",
        },
      ]);
    });

    it('names every unknown field', async () => {
      const res = await post(quickstart({ colour: 'blue', size: 3 }));
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .error.issues.map((i: { path: string }) => i.path)
          .sort(),
      ).toEqual(['colour', 'size']);
    });

    it('rejects an unknown activation with the field path', async () => {
      const spec = quickstart();
      (spec.students as { model: Record<string, unknown> }).model.activation = 'sigmoidish';
      const res = await post(spec);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['students.model.activation']);
    });

    it('rejects a wrong type with the dotted path of the field', async () => {
      const spec = quickstart();
      (spec.students as { train: Record<string, unknown> }).train.epochs = 'three';
      const res = await post(spec);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchInlineSnapshot(`
        {
          "error": {
            "code": "VALIDATION_FAILED",
            "issues": [
              {
                "message": "Invalid input: expected number, received string",
                "path": "students.train.epochs",
              },
            ],
            "message": "the request body is invalid",
          },
        }
      `);
    });

    it('rejects an out-of-range value with the dotted path of the field', async () => {
      const spec = quickstart();
      (spec.students as { train: Record<string, unknown> }).train.epochs = 0;
      const res = await post(spec);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['students.train.epochs']);
    });

    it('rejects a bad value inside a list with its index', async () => {
      const res = await post(
        quickstart({
          quantize: [
            { method: 'ptq', bits: 8 },
            { method: 'ptq', bits: 1 },
          ],
        }),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['quantize[1].bits']);
    });

    it('rejects a missing required field by name', async () => {
      const { name: _name, ...spec } = quickstart();
      const res = await post(spec);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['name']);
    });

    it('rejects a body that is not an object', async () => {
      const res = await post([1, 2]);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.issues).toHaveLength(1);
      expect(res.json().error.issues[0].path).toBe('');
    });

    it('rejects a sweep over its budget at budget.maxRuns', async () => {
      const res = await post(quickstart({ budget: { maxRuns: 3 } }));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['budget.maxRuns']);
    });

    it('stores nothing when the spec is invalid', async () => {
      const before = await api.db.sweep.count();
      await post(quickstart({ colour: 'blue' }));
      expect(await api.db.sweep.count()).toBe(before);
    });
  });

  describe('with an unsupported or oversized body', () => {
    it('rejects an unsupported content type with 415', async () => {
      const res = await post('name: x', 'text/plain');
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchInlineSnapshot(`
        {
          "error": {
            "code": "UNSUPPORTED_MEDIA_TYPE",
            "message": "unsupported content type 'text/plain'; send one of application/json, application/yaml, application/x-yaml, text/yaml",
          },
        }
      `);
    });

    it('rejects a body without a content type with 415', async () => {
      const res = await api.request({ method: 'POST', url: '/v1/sweeps', payload: Buffer.from('{}') });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects a body over the limit with 413 stating the limit', async () => {
      const yaml = `# ${'x'.repeat(1024 * 1024)}\n${contractExamples()[0]?.yaml}`;
      const res = await post(yaml, 'application/yaml');
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchInlineSnapshot(`
        {
          "error": {
            "code": "BODY_TOO_LARGE",
            "message": "the request body is larger than the limit of 1048576 bytes (1 MiB)",
          },
        }
      `);
    });
  });

  describe('reusing an existing teacher (teacher: { runId })', () => {
    let teacherId: string;
    let studentId: string;

    beforeAll(async () => {
      const runs = await runsOf(await submitSweep(api, quickstart({ name: 'teacher source' })));
      teacherId = runs.find((r) => r.kind === 'teacher')?.id ?? '';
      studentId = runs.find((r) => r.kind === 'student')?.id ?? '';
    });

    // `rerun`: the students are those of the source sweep (same configuration, seed and teacher), which would
    // otherwise be reused; here every submission trains its own, to see how they wait for the named teacher.
    const reuse = (runId: string, overrides: Record<string, unknown> = {}) =>
      quickstart({
        name: 'reuse',
        rerun: true,
        teacher: { runId },
        quantize: [
          { method: 'ptq', bits: 8 },
          { method: 'qat', bits: 4 },
        ],
        ...overrides,
      });
    const setTeacherState = (state: string) => api.db.run.update({ where: { id: teacherId }, data: { state } });

    it('queues the dependents of a teacher that already succeeded, and enqueues exactly them', async () => {
      await setTeacherState('succeeded');
      const id = await submitSweep(api, reuse(teacherId));
      const runs = await runsOf(id);
      expect(runs.map((r) => [r.key, r.kind, r.state, r.parentId === teacherId])).toEqual([
        ['s0.seed1', 'student', 'queued', true],
        ['s0.seed1.q0', 'quantize-ptq', 'waiting', false],
        ['s0.seed1.q1', 'quantize-qat', 'queued', true],
        ['s1.seed1', 'student', 'queued', true],
        ['s1.seed1.q0', 'quantize-ptq', 'waiting', false],
        ['s1.seed1.q1', 'quantize-qat', 'queued', true],
      ]);
      const ids = new Set(runs.map((r) => r.id));
      const onQueue = (await api.queuedRunIds()).filter((runId) => ids.has(runId)).sort();
      expect(onQueue).toEqual(
        runs
          .filter((r) => r.state === 'queued')
          .map((r) => r.id)
          .sort(),
      );
    });

    it('makes the dependents of a teacher still running wait for it', async () => {
      await setTeacherState('running');
      const runs = await runsOf(await submitSweep(api, reuse(teacherId)));
      expect(runs.filter((r) => r.parentId === teacherId).every((r) => r.state === 'waiting')).toBe(true);
      expect(runs.every((r) => r.state === 'waiting')).toBe(true);
    });

    it('rejects a teacher that failed', async () => {
      await setTeacherState('failed');
      const res = await post(reuse(teacherId));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([
        { path: 'teacher.runId', message: `teacher run '${teacherId}' failed; it cannot be reused` },
      ]);
    });

    it('rejects a teacher that was cancelled', async () => {
      await setTeacherState('cancelled');
      const res = await post(reuse(teacherId));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues[0].path).toBe('teacher.runId');
    });

    it('rejects a run that is not a teacher', async () => {
      const res = await post(reuse(studentId));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([
        { path: 'teacher.runId', message: `run '${studentId}' is a student run, not a teacher` },
      ]);
    });

    it('rejects a teacher trained on another dataset', async () => {
      await setTeacherState('succeeded');
      const res = await post(reuse(teacherId, { dataset: { name: 'fashion-mnist' } }));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues[0]).toMatchObject({ path: 'teacher.runId' });
      expect(res.json().error.issues[0].message).toMatch(/different dataset/);
    });

    it('rejects an unknown run id as not found', async () => {
      const res = await post(reuse('00000000-0000-4000-8000-000000000000'));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchInlineSnapshot(`
        {
          "error": {
            "code": "VALIDATION_FAILED",
            "issues": [
              {
                "message": "run '00000000-0000-4000-8000-000000000000' not found",
                "path": "teacher.runId",
              },
            ],
            "message": "the sweep cannot reuse that teacher",
          },
        }
      `);
    });

    it('rejects a run id that is not a UUID as not found', async () => {
      const res = await post(reuse('teacher-42'));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([{ path: 'teacher.runId', message: "run 'teacher-42' not found" }]);
    });

    it("treats another team's teacher as not found", async () => {
      await setTeacherState('succeeded');
      const res = await api.request({
        method: 'POST',
        url: '/v1/sweeps',
        as: api.otherTeam,
        payload: reuse(teacherId),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([{ path: 'teacher.runId', message: `run '${teacherId}' not found` }]);
    });

    it('applies the same checks to a dry run', async () => {
      await setTeacherState('failed');
      const res = await post(reuse(teacherId), 'application/json', '/v1/sweeps?dryRun=true');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues[0].path).toBe('teacher.runId');
      await setTeacherState('succeeded');
      const plan = await post(reuse(teacherId), 'application/json', '/v1/sweeps?dryRun=true');
      expect(plan.statusCode).toBe(200);
      expect(plan.json().runs[0]).toMatchObject({ key: 's0.seed1', parentKey: null, parentRunId: teacherId });
    });

    it('stores nothing when the teacher is rejected', async () => {
      await setTeacherState('failed');
      const before = { sweeps: await api.db.sweep.count(), runs: await api.db.run.count() };
      expect((await post(reuse(teacherId))).statusCode).toBe(400);
      expect({ sweeps: await api.db.sweep.count(), runs: await api.db.run.count() }).toEqual(before);
    });
  });
});
