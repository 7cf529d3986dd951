import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;
const shared = realpathSync(mkdtempSync(join(tmpdir(), 'distillery-data-free-')));

beforeAll(async () => {
  api = await buildTestApi({ dataRoots: { shared: [shared], teamBase: null } });
});
afterAll(async () => {
  await api?.close();
  rmSync(shared, { recursive: true, force: true });
});

/** A tfjs layers model folder (784 → 8 → 10), with or without a BatchNorm layer's weights in its manifest. */
function writeTeacher(name: string, batchNorm: boolean): string {
  const folder = join(shared, name);
  mkdirSync(folder, { recursive: true });
  const dense = (n: string, units: number, extra: object = {}) => ({
    class_name: 'Dense',
    config: { name: n, units, activation: 'linear', ...extra },
  });
  const layers = [
    dense('d1', 8, { batch_input_shape: [null, 784] }),
    ...(batchNorm ? [{ class_name: 'BatchNormalization', config: { name: 'bn' } }] : []),
    dense('d2', 10),
  ];
  const weights = [
    { name: 'd1/kernel', shape: [784, 8], dtype: 'float32' },
    { name: 'd1/bias', shape: [8], dtype: 'float32' },
    ...(batchNorm
      ? ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => ({
          name: `bn/${w}`,
          shape: [8],
          dtype: 'float32',
        }))
      : []),
    { name: 'd2/kernel', shape: [8, 10], dtype: 'float32' },
    { name: 'd2/bias', shape: [10], dtype: 'float32' },
  ];
  const values = weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const modelJson = {
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'teacher', layers } },
    weightsManifest: [{ paths: ['w.bin'], weights }],
  };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(folder, 'w.bin'), new Uint8Array(values * 4));
  return folder;
}

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

  it('rejects BNS synthesis from an imported teacher whose weights have no BatchNorm statistics', async () => {
    const plain = writeTeacher('plain', false);
    const res = await post(synthetic({ teacher: { model: { artifact: plain } } }));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'students.data.method',
        message:
          `data.method bns matches the teacher's BatchNorm statistics, and the imported teacher (${plain}) has no ` +
          'BatchNorm layer: train the teacher with model.batchNorm: true, or use data.method gaussian or inception',
      },
    ]);
    const withBn = writeTeacher('with-bn', true);
    const ok = await api.request({
      method: 'POST',
      url: '/v1/sweeps?dryRun=true',
      payload: synthetic({ teacher: { model: { artifact: withBn } } }),
    });
    expect(ok.statusCode, ok.body).toBe(200);
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
