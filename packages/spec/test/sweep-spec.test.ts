import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentTooComplexError, expandSweep, parseDocument, SweepSpec, toValidationIssues } from '../src/index.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');

const base = {
  name: 'unit',
  dataset: { name: 'mnist' },
  teacher: {
    model: { family: 'mlp', hidden: [32], activation: 'relu' },
    train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
  },
  students: {
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
  },
};

function issues(doc: unknown) {
  const r = SweepSpec.safeParse(doc);
  if (r.success) throw new Error('expected the spec to be rejected');
  return toValidationIssues(r.error);
}

describe('SweepSpec', () => {
  it.each(readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')))('accepts the contract example %s', (file) => {
    const doc = parseDocument(readFileSync(join(EXAMPLES, file), 'utf8'), 'yaml');
    expect(SweepSpec.safeParse(doc).success).toBe(true);
  });

  it('names each unknown field with its path', () => {
    const doc = structuredClone(base) as Record<string, unknown>;
    doc.colour = 'red';
    (doc.students as Record<string, unknown>).optimiser = 'sgd';
    expect(issues(doc)).toEqual(
      expect.arrayContaining([
        { path: 'colour', message: "unknown field 'colour'" },
        { path: 'students.optimiser', message: "unknown field 'optimiser'" },
      ]),
    );
  });

  it('reports a wrong type or range with the dotted path of the field', () => {
    const doc = structuredClone(base);
    (doc.students.train as Record<string, unknown>).epochs = 0;
    (doc.teacher.train.optimizer as Record<string, unknown>).lr = 'fast';
    const found = issues(doc).map((i) => i.path);
    expect(found).toEqual(expect.arrayContaining(['students.train.epochs', 'teacher.train.optimizer.lr']));
  });

  it('gives an LMA activation without segments the default k of 8', () => {
    const doc = structuredClone(base);
    (doc.students.model as Record<string, unknown>).activation = { name: 'lma' };
    const spec = SweepSpec.parse(doc);
    const student = expandSweep(spec).find((r) => r.kind === 'student');
    expect(student?.config.model).toMatchObject({
      activation: { name: 'lma', segments: 8, statistics: 'bias-corrected' },
    });
  });

  it('blames the grid value that makes a student invalid', () => {
    const doc = { ...structuredClone(base), students: { ...base.students, grid: { 'model.hidden': [[4], [0]] } } };
    expect(issues(doc)).toEqual([
      { path: 'students.grid["model.hidden"][1][0]', message: expect.stringContaining('>=1') },
    ]);
  });

  it('rejects a grid path that leads nowhere in the student', () => {
    const doc = { ...structuredClone(base), students: { ...base.students, grid: { 'model.colour': ['red'] } } };
    expect(issues(doc)).toEqual([
      {
        path: 'students.grid["model.colour"][0]',
        message: "unknown field 'colour' (allowed: family, hidden, activation, batchNorm, smh)",
      },
    ]);
  });

  it('refuses a sweep that expands beyond its budget', () => {
    const doc = {
      ...structuredClone(base),
      students: { ...base.students, grid: { 'model.hidden': [[4], [8], [16]] } },
      seeds: [1, 2],
      budget: { maxRuns: 6 },
    };
    expect(issues(doc)).toEqual([
      { path: 'budget.maxRuns', message: 'the sweep expands to 7 runs, more than the budget of 6' },
    ]);
  });

  it('requires a path for file-based data sets', () => {
    const doc = { ...structuredClone(base), dataset: { name: 'idx' } };
    expect(issues(doc)).toEqual([{ path: 'dataset.path', message: "dataset 'idx' needs a path to its files" }]);
  });

  it('accepts only the supported bit widths', () => {
    const doc = { ...structuredClone(base), quantize: [{ method: 'ptq', bits: 12 }] };
    expect(issues(doc).map((i) => i.path)).toEqual(['quantize[0].bits']);
  });
});

describe('parseDocument', () => {
  it('names the format of a malformed body', () => {
    expect(() => parseDocument('{"name": ', 'json')).toThrow(/^malformed JSON: /);
    expect(() => parseDocument('name: [unclosed', 'yaml')).toThrow(/^malformed YAML: /);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]']
      .concat(
        Array.from(
          { length: 8 },
          (_, i) =>
            `c${i}: &c${i} [${Array(10)
              .fill(i ? `*c${i - 1}` : '*b')
              .join(', ')}]`,
        ),
      )
      .join('\n');
    expect(() => parseDocument(bomb, 'yaml')).toThrow(DocumentTooComplexError);
  });
});

describe('SweepSpec with a grid', () => {
  it('reports an error of the base student once, not once per grid point', () => {
    const doc = {
      ...structuredClone(base),
      students: {
        ...base.students,
        train: { ...base.students.train, epochs: -1 },
        grid: { 'model.hidden': [[4], [8], [16]] },
      },
    };
    expect(issues(doc).filter((i) => i.path === 'students.train.epochs')).toHaveLength(1);
  });
});

describe('SweepSpec with a large grid', () => {
  const withGrid = (grid: Record<string, unknown[]>) => ({
    ...structuredClone(base),
    students: { ...base.students, grid },
  });

  it('refuses more than 32 dimensions before expanding, naming the count and the limit', () => {
    const grid = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`model.k${i}`, [1]]));
    expect(issues(withGrid(grid))).toEqual([
      { path: 'students.grid', message: 'the grid has 33 dimensions (keys), more than the limit of 32' },
    ]);
  });

  // zod itself takes ~10 µs a key to read the record; the API refuses such a mapping before zod (document limits).
  it('refuses 45,000 single-valued dimensions without expanding them (expansion was quadratic: 12.9 s)', () => {
    const grid = Object.fromEntries(Array.from({ length: 45_000 }, (_, i) => [`model.k${i}`, [1]]));
    const started = performance.now();
    expect(issues(withGrid(grid)).map((i) => i.path)).toEqual(['students.grid']);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('refuses a grid whose product overflows before computing a single point', () => {
    const values = Array.from({ length: 256 }, (_, i) => i + 1);
    const grid = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`train.k${i}`, values]));
    const started = performance.now();
    expect(issues(withGrid(grid))).toEqual([
      {
        path: 'students.grid',
        message: expect.stringMatching(/^the sweep expands to .* runs, more than the limit of 5000$/),
      },
    ]);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
