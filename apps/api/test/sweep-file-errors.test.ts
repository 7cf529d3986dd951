import { describe, expect, it } from 'vitest';
import { quickstart, useTestApi } from './helper.ts';

const api = useTestApi();

const dryRun = (payload: string | object, contentType = 'application/json') =>
  api.request({
    method: 'POST',
    url: '/v1/sweeps?dryRun=true',
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

type Spec = ReturnType<typeof quickstart>;
const withStudentActivation = (activation: unknown, grid?: unknown[]): Spec => {
  const spec = quickstart() as Spec & { students: { model: { activation: unknown }; grid?: unknown } };
  spec.students.model.activation = activation;
  spec.students.grid = grid ? { 'model.activation': grid } : undefined;
  return spec;
};

describe('a sweep file that is easy to write', () => {
  it('accepts lma-8 and aplu-8 and a left-out segments, planning the same runs as the object form', async () => {
    const short = await dryRun(withStudentActivation('relu', ['lma-8', 'aplu-8', { name: 'lma' }]));
    const long = await dryRun(
      withStudentActivation('relu', [
        { name: 'lma', segments: 8 },
        { name: 'aplu', segments: 8 },
        { name: 'lma', segments: 8 },
      ]),
    );
    expect(short.statusCode, short.body).toBe(200);
    expect(long.statusCode, long.body).toBe(200);
    const runs = (res: typeof short) =>
      (res.json().runs as { key: string; label: string; group: string; hash: string }[]).filter(
        (r) => r.key.startsWith('s') && !r.key.includes('.q'),
      );
    expect(runs(short).map((r) => r.label)).toEqual([
      'activation=lma-8 · seed 1',
      'activation=aplu-8 · seed 1',
      'activation=lma-8 · seed 1',
    ]);
    expect(runs(short).map((r) => [r.group, r.hash])).toEqual(runs(long).map((r) => [r.group, r.hash]));
    // `lma-8` and `{ name: lma }` are one configuration.
    expect(runs(short)[0]?.group).toBe(runs(short)[2]?.group);
  });

  it('names an unknown field, lists the allowed ones and suggests the nearest', async () => {
    const spec = { ...quickstart(), seed: [1] };
    const res = await dryRun(spec);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "unknown field 'seed' — did you mean 'seeds'? (allowed: name, tags, dataset, teacher, students, quantize, prune, seeds, budget, priority, rerun)",
          "path": "seed",
        },
      ]
    `);
  });

  it('echoes a wrong enum value, lists every allowed value and suggests the nearest', async () => {
    const spec = quickstart() as Spec & { students: { train: { optimizer: { name: string } } } };
    spec.students.train.optimizer.name = 'adm';
    const res = await dryRun(spec);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "unknown value 'adm' — did you mean 'adam'? (allowed: sgd, adam)",
          "path": "students.train.optimizer.name",
        },
      ]
    `);
  });

  it('tells a wrong activation word and name every allowed form, with the nearest', async () => {
    const word = await dryRun(withStudentActivation('lma8'));
    expect(word.statusCode).toBe(400);
    expect(word.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "unknown activation 'lma8' — did you mean 'lma-8'? (allowed: relu, prelu, swish, lma-K, aplu-K (K from 2 to 64), or an object such as { name: lma, segments: 8 })",
          "path": "students.model.activation",
        },
      ]
    `);
    const range = await dryRun(withStudentActivation('relu', ['lma-99']));
    expect(range.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "'lma-99': K must be from 2 to 64 (allowed: relu, prelu, swish, lma-K, aplu-K (K from 2 to 64), or an object such as { name: lma, segments: 8 })",
          "path": "students.grid["model.activation"][0]",
        },
      ]
    `);
    const name = await dryRun(withStudentActivation({ name: 'lmaa', segments: 4 }));
    expect(name.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "unknown value 'lmaa' — did you mean 'lma'? (allowed: relu, prelu, swish, aplu, lma)",
          "path": "students.model.activation.name",
        },
      ]
    `);
  });

  it('names a grid key that is not a path into the student, and the rule it breaks', async () => {
    const spec = quickstart() as Spec & { students: { grid?: unknown } };
    spec.students.grid = { model: [{ family: 'mlp', hidden: [8] }] };
    const res = await dryRun(spec);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'students.grid.model',
        message: "invalid key 'model': a dotted path into the student such as model.hidden",
      },
    ]);
  });

  it('reads a misspelt field of a union as that branch: the field missing, the typo and its correction', async () => {
    const spec = quickstart() as Spec & { teacher: Record<string, unknown> };
    spec.teacher.trian = spec.teacher.train;
    delete spec.teacher.train;
    const res = await dryRun(spec);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "missing field (expected object)",
          "path": "teacher.train",
        },
        {
          "message": "unknown field 'trian' — did you mean 'train'? (allowed: model, train, seed)",
          "path": "teacher.trian",
        },
      ]
    `);
  });

  it('keeps the line and a caret under the column in a YAML syntax error', async () => {
    const yaml = 'name: broken\ndataset: { name: mnist\nteacher:\n  runId: abc\n';
    const res = await dryRun(yaml, 'application/yaml');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatchInlineSnapshot(`
      "malformed YAML: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1:
      3 | teacher:
        | ^"
    `);
  });
});
