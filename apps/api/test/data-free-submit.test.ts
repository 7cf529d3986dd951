import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;

beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(() => api?.close());

const post = (spec: unknown) => api.request({ method: 'POST', url: '/v1/sweeps', payload: spec as object });
const synthetic = (overrides: Record<string, unknown> = {}) => {
  const base = quickstart();
  return quickstart({
    students: { ...(base.students as object), data: { source: 'synthetic', method: 'bns', samples: 1000 } },
    ...overrides,
  });
};
const withBatchNorm = () => {
  const teacher = quickstart().teacher as { model: object };
  return { ...teacher, model: { ...teacher.model, batchNorm: true } };
};
const runsOf = (sweepId: string) =>
  api.db.run.findMany({
    where: { sweepId },
    orderBy: { key: 'asc' },
    select: { key: true, kind: true, state: true, parentId: true, id: true },
  });

describe('POST /v1/sweeps with synthetic data', () => {
  it('rejects BNS synthesis from a teacher without BatchNorm, naming the field and the rule', async () => {
    const res = await post(synthetic());
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'students.data.method',
        message:
          "data.method bns matches the teacher's BatchNorm statistics, and the teacher (teacher.model.batchNorm: false) " +
          'has no BatchNorm layer: train the teacher with model.batchNorm: true, or use data.method gaussian or inception',
      },
    ]);
  });

  it('plans the synthesize run between the teacher and the students, who wait for it', async () => {
    const id = await submitSweep(api, synthetic({ teacher: withBatchNorm() }));
    const runs = await runsOf(id);
    const teacher = runs.find((r) => r.kind === 'teacher');
    const d0 = runs.find((r) => r.key === 'd0');
    expect([d0?.kind, d0?.state, d0?.parentId]).toEqual(['synthesize', 'waiting', teacher?.id]);
    for (const r of runs.filter((x) => x.kind === 'student' || x.kind === 'quantize-qat'))
      expect(r.parentId).toBe(d0?.id);
  });

  describe('reusing a teacher by run id', () => {
    const teacherRun = async (batchNorm: boolean) => {
      const spec = batchNorm ? quickstart({ teacher: withBatchNorm() }) : quickstart();
      const id = await submitSweep(api, spec);
      const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: id, kind: 'teacher' } });
      await api.db.run.update({ where: { id: teacher.id }, data: { state: 'succeeded' } });
      return teacher.id;
    };

    it('rejects BNS synthesis from a teacher run trained without BatchNorm', async () => {
      const teacherId = await teacherRun(false);
      const res = await post(synthetic({ teacher: { runId: teacherId } }));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues).toEqual([
        {
          path: 'students.data.method',
          message:
            `data.method bns matches the teacher's BatchNorm statistics, and teacher run '${teacherId}' ` +
            '(model.batchNorm: false) has no BatchNorm layer: train the teacher with model.batchNorm: true, or use ' +
            'data.method gaussian or inception',
        },
      ]);
      // The Gaussian generator reads no statistics: that teacher is fine for it.
      const gaussian = synthetic({ teacher: { runId: teacherId } });
      (gaussian.students as { data: { method: string } }).data.method = 'gaussian';
      expect((await post(gaussian)).statusCode).toBe(201);
    });

    it('queues the synthesis at once after a BatchNorm teacher that succeeded, its students waiting for it', async () => {
      const teacherId = await teacherRun(true);
      const runs = await runsOf(await submitSweep(api, synthetic({ teacher: { runId: teacherId } })));
      const d0 = runs.find((r) => r.key === 'd0');
      expect([d0?.state, d0?.parentId]).toEqual(['queued', teacherId]);
      const students = runs.filter((r) => r.kind === 'student');
      expect(students.every((r) => r.state === 'waiting' && r.parentId === d0?.id)).toBe(true);
    });
  });
});
