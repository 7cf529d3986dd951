import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_LIMITS, parseDocument, runLimitIssues, SweepSpec } from '../src/index.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');

const train = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } };
const sweep = (overrides: Record<string, unknown> = {}): SweepSpec =>
  SweepSpec.parse({
    name: 'limits',
    dataset: { name: 'mnist' },
    teacher: { model: { family: 'mlp', hidden: [64], activation: 'relu' }, train },
    students: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train },
    ...overrides,
  });

describe('runLimitIssues with the default limits', () => {
  it.each(readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')))('accepts the contract example %s', (file) => {
    const spec = SweepSpec.parse(parseDocument(readFileSync(join(EXAMPLES, file), 'utf8'), 'yaml'));
    expect(runLimitIssues(spec)).toEqual([]);
  });

  it('refuses a 531 M-parameter teacher, naming the field, the count and the limit', () => {
    const spec = sweep({ teacher: { model: { family: 'mlp', hidden: [8000, 65536], activation: 'relu' }, train } });
    expect(runLimitIssues(spec)).toEqual([
      {
        path: 'teacher.model',
        message: 'the teacher has 531288906 parameters, more than the limit of 100000000',
      },
    ]);
  });

  it('refuses a model whose parameter count does not fit a 32-bit integer', () => {
    const spec = sweep({ teacher: { model: { family: 'mlp', hidden: [65536, 65536], activation: 'relu' }, train } });
    expect(runLimitIssues(spec).map((i) => i.path)).toEqual(['teacher.model']);
  });

  it('refuses 10,000 classes', () => {
    const spec = sweep({ dataset: { name: 'synthetic', classes: 10_000 } });
    expect(runLimitIssues(spec)).toEqual([
      { path: 'dataset.classes', message: '10000 classes are more than the limit of 1000' },
    ]);
  });

  it('refuses an input shape that is too large', () => {
    const spec = sweep({ dataset: { name: 'synthetic', shape: [1024, 1024, 3] } });
    expect(runLimitIssues(spec)[0]).toEqual({
      path: 'dataset.shape',
      message: 'a sample of 1024 × 1024 × 3 = 3145728 values is more than the limit of 196608',
    });
  });

  it('refuses more rows than the limit, and a data set too large in bytes', () => {
    const rows = sweep({ dataset: { name: 'synthetic', limit: { train: 2_000_000 } } });
    expect(runLimitIssues(rows)[0]).toEqual({
      path: 'dataset.limit.train',
      message: '2000000 train rows are more than the limit of 1000000',
    });
    const bytes = sweep({ dataset: { name: 'synthetic', shape: [128, 128, 3], limit: { train: 30_000 } } });
    expect(runLimitIssues(bytes).map((i) => i.path)).toEqual(['dataset']);
  });

  it('refuses a batch whose activations do not fit, at the batch size', () => {
    const cnn = { family: 'cnn', channels: [4096], dense: [], activation: 'relu' };
    const spec = sweep({
      dataset: { name: 'cifar10-bin', path: '/data/cifar' },
      teacher: { model: cnn, train: { ...train, batchSize: 4096 } },
    });
    expect(runLimitIssues(spec)).toEqual([
      {
        path: 'teacher.train.batchSize',
        message: expect.stringMatching(/^the teacher keeps \d+ bytes of activations per batch of 4096, more than/),
      },
    ]);
  });

  it('refuses more training work than epochs × rows allows, and accepts 1,000 epochs of MNIST', () => {
    const long = { ...train, epochs: 1000 };
    const teacher = { model: { family: 'mlp', hidden: [64], activation: 'relu' }, train: long };
    expect(runLimitIssues(sweep({ teacher }))).toEqual([]);
    const spec = sweep({ dataset: { name: 'synthetic', limit: { train: 200_000 } }, teacher });
    expect(runLimitIssues(spec)).toEqual([
      {
        path: 'teacher.train.epochs',
        message: 'the teacher trains 1000 epochs × 200000 rows = 200000000 rows, more than the limit of 100000000',
      },
    ]);
  });

  it('blames the grid value that makes a student too large', () => {
    const spec = sweep({
      students: {
        model: { family: 'mlp', hidden: [8], activation: 'relu' },
        train,
        grid: { 'model.hidden': [[16], [30_000, 30_000]] },
      },
    });
    expect(runLimitIssues(spec)).toEqual([
      {
        path: 'students.grid["model.hidden"][1]',
        message: 'the student model.hidden=[30000,30000] has 923880010 parameters, more than the limit of 100000000',
      },
    ]);
  });
});

describe('runLimitIssues with an SMH student', () => {
  it('counts the pool Z it builds every step, not only the few values it stores', () => {
    // 784-30000-30000-10: N = 923,820,000 kernel values, m = 30,395: Z has m² = 923,856,025 values, while the
    // student stores 2mk = 60,790 · 1,519 = 92,340,010 values (k at fraction 0.1) plus 60,010 biases and 3 scales.
    const spec = sweep({
      students: {
        model: { family: 'mlp', hidden: [30_000, 30_000], activation: 'relu', smh: { fraction: 0.1 } },
        train,
      },
    });
    expect(runLimitIssues(spec)).toEqual([
      {
        path: 'students.model.smh',
        message:
          'the student builds its kernels from a pool Z of 923856025 values (3695424100 bytes) every step, more ' +
          'than the limit of 100000000 parameters or 536870912 bytes of weights',
      },
    ]);
  });
});

describe('runLimitIssues with an operator’s limits', () => {
  it('applies the limits it is given', () => {
    const spec = sweep();
    expect(runLimitIssues(spec, { ...DEFAULT_RUN_LIMITS, maxParameters: 1000 }).map((i) => i.path)).toEqual([
      'teacher.model',
      'students.model',
    ]);
  });
});
