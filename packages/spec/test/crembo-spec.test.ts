import { describe, expect, it } from 'vitest';
import { expandSweep, type RunConfig, runEpochs, SweepSpec } from '../src/index.ts';

const train = { epochs: 3, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } };
const spec = (students: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  SweepSpec.safeParse({
    name: 'crembo',
    dataset: { name: 'mnist', validation: 0.1 },
    teacher: { model: { family: 'mlp', hidden: [32], activation: 'relu' }, train },
    students: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train, ...students },
    ...extra,
  });

function students(s: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const parsed = spec(s, extra);
  if (!parsed.success) throw new Error(parsed.error.message);
  return expandSweep(parsed.data).filter((r) => r.kind !== 'teacher');
}

describe('distill.method in the sweep spec', () => {
  it('keeps a KD student’s stored distillation, hash and group as they were, whether or not method kd is written', () => {
    const [implicit] = students({ distill: { temperature: 4, alpha: 0.5 } });
    const [explicit] = students({ distill: { method: 'kd', temperature: 4, alpha: 0.5 } });
    expect(implicit?.config.distill).toStrictEqual({ temperature: 4, alpha: 0.5 });
    expect(explicit?.config).toStrictEqual(implicit?.config);
    expect(explicit?.hash).toBe(implicit?.hash);
    expect(explicit?.group).toBe(implicit?.group);
    // The hash and group this student had before distill.method existed (expandSweep on main before it).
    expect(implicit?.hash).toBe('9417e3cfa7cd72d6070b7e92d1fcaa7db78f5da2664ef03156ff457771481af1');
    expect(implicit?.group).toBe('404d4d4349261cd5bb273a153e4c3cb1e1c28452fec97e0960c61e1117b52c48');
  });

  it('stores a CREMBO student with its defaults written out: 12 thresholds and the bce loss', () => {
    const [short] = students({ distill: { method: 'crembo' } });
    const [long] = students({ distill: { method: 'crembo', thresholds: 12, loss: 'bce' } });
    expect(short?.config.distill).toStrictEqual({ method: 'crembo', thresholds: 12, loss: 'bce' });
    expect(short?.hash).toBe(long?.hash);
    // Its label says CREMBO where the grid does not.
    expect(short?.label).toBe('mlp 8 relu crembo · seed 0');
    const [soft] = students({ distill: { method: 'crembo', thresholds: 6, loss: 'soft' } });
    expect(soft?.hash).not.toBe(short?.hash);
    // Epochs are counted over one training per threshold at most.
    expect(runEpochs(soft?.config as RunConfig)).toBe(6 * 3);
  });

  it('switches a grid point to the method’s own defaults when the grid varies distill.method', () => {
    const runs = students({ grid: { 'distill.method': ['kd', 'crembo'] } }, { seeds: [0] });
    expect(runs.map((r) => r.config.distill)).toStrictEqual([
      { temperature: 2, alpha: 0.7 },
      { method: 'crembo', thresholds: 12, loss: 'bce' },
    ]);
    expect(runs.map((r) => r.label)).toEqual(['method="kd" · seed 0', 'method="crembo" · seed 0']);
    const withThresholds = students(
      { grid: { 'distill.method': ['crembo'], 'distill.thresholds': [4, 8] } },
      { seeds: [0] },
    );
    expect(withThresholds.map((r) => r.config.distill)).toStrictEqual([
      { method: 'crembo', thresholds: 4, loss: 'bce' },
      { method: 'crembo', thresholds: 8, loss: 'bce' },
    ]);
  });

  it('refuses KD settings on a CREMBO distillation and a threshold count out of range, naming the field', () => {
    const kdKeys = spec({ distill: { method: 'crembo', temperature: 2 } });
    expect(kdKeys.success).toBe(false);
    expect(kdKeys.error?.issues[0]?.path).toEqual(['students', 'distill']);
    const one = spec({ distill: { method: 'crembo', thresholds: 1 } });
    expect(one.error?.issues[0]?.path).toEqual(['students', 'distill', 'thresholds']);
    const unknown = spec({ distill: { method: 'memo' } });
    expect(unknown.error?.issues[0]?.path).toEqual(['students', 'distill', 'method']);
  });

  it('asks for validation rows, and refuses pruning and iPQ, for CREMBO students', () => {
    const noValidation = SweepSpec.safeParse({
      ...(spec({}).data as object),
      dataset: { name: 'mnist' },
      students: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train, distill: { method: 'crembo' } },
    });
    expect(noValidation.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [
        ['dataset', 'validation'],
        'distill.method crembo selects its student by validation accuracy: set dataset.validation above 0 (got none)',
      ],
    ]);
    const pruned = spec(
      { distill: { method: 'crembo' } },
      { prune: [{ method: 'magnitude', sparsity: 0.5 }], quantize: [{ method: 'pq', blockSize: 4, centroids: 16 }] },
    );
    expect(pruned.error?.issues.map((i) => i.path)).toEqual([
      ['quantize', 0, 'method'],
      ['prune', 0],
    ]);
    // A grid point that is CREMBO is enough.
    const gridded = spec(
      { grid: { 'distill.method': ['kd', 'crembo'] } },
      { prune: [{ method: 'magnitude', sparsity: 0.5 }] },
    );
    expect(gridded.error?.issues.map((i) => i.path)).toEqual([['prune', 0]]);
    expect(spec({ distill: { method: 'crembo' } }, { quantize: [{ method: 'qat', bits: 4 }] }).success).toBe(true);
  });
});
