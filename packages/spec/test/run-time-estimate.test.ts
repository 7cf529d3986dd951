import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  estimateRunTime,
  estimateSweepTime,
  expandSweep,
  measureThroughput,
  parseDocument,
  type RunConfig,
  type RunTiming,
  SweepSpec,
  scheduledSweepSeconds,
  THROUGHPUT_CALIBRATION,
  type ThroughputRate,
  throughputShape,
} from '../src/index.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');

/** A sweep of one teacher and one KD student on fashion-mnist, its runs by key. */
function runsOf(
  overrides: { trainRows?: number; epochs?: number; hidden?: number[]; quantize?: SweepSpec['quantize'] } = {},
) {
  const train = {
    epochs: overrides.epochs ?? 2,
    batchSize: 64,
    optimizer: { name: 'sgd' as const, lr: 0.01, momentum: 0.9 },
  };
  const spec = SweepSpec.parse({
    name: 'timed',
    dataset: { name: 'fashion-mnist', limit: { train: overrides.trainRows ?? 10_000, test: 2_000 }, validation: 0.1 },
    teacher: { model: { family: 'mlp', hidden: [64], activation: 'relu' }, train },
    students: {
      model: { family: 'mlp', hidden: overrides.hidden ?? [16], activation: 'relu', batchNorm: true },
      train,
      distill: { temperature: 2, alpha: 0.7 },
    },
    quantize: overrides.quantize ?? [],
    seeds: [1],
  });
  return new Map(expandSweep(spec).map((r) => [r.key, r.config]));
}

const student = (o: Parameters<typeof runsOf>[0] = {}) => runsOf(o).get('s0.seed1') as RunConfig;

/** A rate for `config`'s shape: `epoch` seconds per training row and epoch, `other` per row read. */
function rate(config: RunConfig, epoch: number, other: number, runs = 2, backend = 'wasm'): ThroughputRate {
  const shape = throughputShape(config);
  if (!shape) throw new Error('no shape');
  return {
    backend,
    shape: shape.key,
    work: shape.work,
    family: shape.family,
    forwardMacs: shape.forwardMacs,
    epochSecondsPerRow: epoch,
    otherSecondsPerRow: other,
    msPerStep: epoch * 64 * 1000,
    runs,
  };
}

describe('throughputShape', () => {
  it("names a run's work, layers, activation, BatchNorm and batch, and counts its forward multiply-accumulates", () => {
    expect(throughputShape(student())).toEqual({
      key: 'kd mlp 784-16-10 relu bn b64',
      work: 'kd',
      family: 'mlp',
      forwardMacs: 784 * 16 + 16 * 10,
    });
    expect(throughputShape(runsOf().get('teacher') as RunConfig)?.key).toBe('ce mlp 784-64-10 relu no-bn b64');
  });

  it('gives seeds, learning rates and data set sizes of one model the same shape', () => {
    expect(throughputShape(student({ trainRows: 500, epochs: 7 }))?.key).toBe(throughputShape(student())?.key);
  });
});

describe('estimateRunTime', () => {
  it("uses the rate this store measured for the run's shape before the calibration's", () => {
    const config = student();
    const estimate = estimateRunTime(config, {
      measured: [rate(config, 1e-4, 1e-5)],
      calibration: [rate(config, 9e-4, 9e-5)],
    });
    // 2 epochs × 9,000 training rows × 1e-4 s + (9,000 + 1,000 + 2,000 rows read) × 1e-5 s.
    expect(estimate?.seconds).toBeCloseTo(2 * 9000 * 1e-4 + 12_000 * 1e-5, 9);
    expect(estimate).toMatchObject({ source: 'measured', backend: 'wasm', basis: 'kd mlp 784-16-10 relu bn b64' });
  });

  it('takes, of several backends measured for one shape, the one measured by most runs', () => {
    const config = student();
    const estimate = estimateRunTime(config, {
      measured: [rate(config, 1e-4, 0, 2, 'wasm'), rate(config, 1e-5, 0, 9, 'tensorflow')],
      calibration: [],
    });
    expect(estimate?.backend).toBe('tensorflow');
  });

  it('falls back to the calibration for a shape this store has not run', () => {
    const config = student();
    const other = student({ hidden: [32] });
    const estimate = estimateRunTime(config, {
      measured: [rate(other, 1e-4, 1e-5)],
      calibration: [rate(config, 3e-4, 2e-5)],
    });
    expect(estimate?.source).toBe('calibration');
    expect(estimate?.seconds).toBeCloseTo(2 * 9000 * 3e-4 + 12_000 * 2e-5, 9);
  });

  it('extrapolates from the nearest shape of the same work and family, scaling its epochs by multiply-accumulates', () => {
    const config = student({ hidden: [32] });
    const near = student({ hidden: [16] });
    const far = student({ hidden: [512] });
    const estimate = estimateRunTime(config, { measured: [], calibration: [rate(near, 1e-4, 1e-5), rate(far, 1, 1)] });
    const scale = (784 * 32 + 32 * 10) / (784 * 16 + 16 * 10);
    expect(estimate).toMatchObject({ source: 'extrapolated', basis: 'kd mlp 784-16-10 relu bn b64' });
    expect(estimate?.seconds).toBeCloseTo(2 * 9000 * 1e-4 * scale + 12_000 * 1e-5, 9);
    expect(estimate?.msPerStep).toBeCloseTo(1e-4 * 64 * 1000 * scale, 9);
  });

  it('scales with epochs and with training rows', () => {
    const base = student();
    const rates = { measured: [rate(base, 1e-4, 0)], calibration: [] };
    const seconds = (c: RunConfig) => estimateRunTime(c, rates)?.seconds as number;
    expect(seconds(student({ epochs: 4 }))).toBeCloseTo(2 * seconds(base), 9);
    expect(seconds(student({ trainRows: 20_000 }))).toBeCloseTo(2 * seconds(base), 9);
  });

  it('has no estimate where no rate of its work and family exists, or its rows are unknown', () => {
    const config = student();
    const teacher = runsOf().get('teacher') as RunConfig;
    expect(estimateRunTime(config, { measured: [rate(teacher, 1e-4, 0)], calibration: [] })).toBeNull();
    const idx = { ...config, dataset: { name: 'idx' as const, path: '/data' } };
    expect(estimateRunTime(idx, { measured: [rate(idx, 1e-4, 0)], calibration: [] })).toBeNull();
  });
});

describe('measureThroughput', () => {
  const config = student();
  const timing = (seconds: number, epochSeconds: number, epochs = 2): RunTiming => ({
    config,
    backend: 'wasm',
    seconds,
    epochSeconds,
    epochs,
  });

  it('splits runs into epoch seconds per training row and other seconds per row read, weighted by rows', () => {
    const [measured] = measureThroughput([timing(3, 1.8), timing(5, 3.6)]);
    expect(measured?.runs).toBe(2);
    expect(measured?.epochSecondsPerRow).toBeCloseTo((1.8 + 3.6) / (2 * 2 * 9000), 12);
    expect(measured?.otherSecondsPerRow).toBeCloseTo((1.2 + 1.4) / (2 * 12_000), 12);
    // 2 epochs of ceil(9,000 / 64) = 141 steps per run.
    expect(measured?.msPerStep).toBeCloseTo((1000 * 5.4) / (2 * 2 * 141), 9);
  });

  it("counts a packed run's share of its pack's time", () => {
    const [solo] = measureThroughput([timing(3, 1.8)]);
    const [packed] = measureThroughput([{ ...timing(12, 7.2), packSize: 4 }]);
    expect(packed?.epochSecondsPerRow).toBeCloseTo(solo?.epochSecondsPerRow as number, 12);
    expect(packed?.otherSecondsPerRow).toBeCloseTo(solo?.otherSecondsPerRow as number, 12);
  });

  it('leaves out a run whose record misses epochs (resumed in another attempt)', () => {
    expect(measureThroughput([timing(3, 0.9, 1)])).toEqual([]);
  });

  it('estimates back what it measured, for a run like the measured ones', () => {
    const measured = measureThroughput([timing(4, 3)]);
    expect(estimateRunTime(config, { measured, calibration: [] })?.seconds).toBeCloseTo(4, 9);
  });
});

describe('estimateSweepTime', () => {
  const est = (seconds: number) => ({
    seconds,
    source: 'calibration' as const,
    backend: 'wasm',
    shape: 's',
    basis: 's',
    runs: 1,
    msPerStep: null,
  });

  it('adds the runs to train for one executor and follows the longest parent chain for the critical path', () => {
    const estimate = estimateSweepTime([
      { key: 'teacher', parentKey: null, estimate: est(10), reused: false },
      { key: 's0', parentKey: 'teacher', estimate: est(3), reused: false },
      { key: 's0.q0', parentKey: 's0', estimate: est(1), reused: false },
      { key: 's1', parentKey: 'teacher', estimate: est(5), reused: false },
      { key: 's2', parentKey: 'teacher', estimate: null, reused: false },
    ]);
    expect(estimate).toEqual({
      totalSeconds: 19,
      criticalPathSeconds: 15,
      runsBySource: { measured: 0, calibration: 4, extrapolated: 0 },
      unestimatedRuns: 1,
    });
  });

  it('schedules the runs on a number of slots: one is the total, enough of them the critical path', () => {
    const runs = [
      { key: 'teacher', parentKey: null, estimate: est(10), reused: false },
      { key: 's0', parentKey: 'teacher', estimate: est(4), reused: false },
      { key: 's0.q0', parentKey: 's0', estimate: est(1), reused: false },
      { key: 's1', parentKey: 'teacher', estimate: est(4), reused: false },
      { key: 's1.q0', parentKey: 's1', estimate: est(1), reused: false },
      { key: 's2', parentKey: 'teacher', estimate: est(4), reused: false },
    ];
    const { totalSeconds, criticalPathSeconds } = estimateSweepTime(runs);
    expect(scheduledSweepSeconds(runs, 1)).toBe(totalSeconds);
    expect(scheduledSweepSeconds(runs, 6)).toBe(criticalPathSeconds);
    // Two slots after the teacher (10 s): s0 and s1 (to 14), then s0.q0 and s1.q0 (15), then s2 (19).
    expect(scheduledSweepSeconds(runs, 2)).toBe(19);
    expect(() => scheduledSweepSeconds(runs, 0)).toThrow(/slots must be an integer ≥ 1, got 0/);
  });

  it("trains a pack's members one after another in one slot, and finishes them all at its end", () => {
    const runs = [
      { key: 'teacher', parentKey: null, estimate: est(10), reused: false },
      { key: 's0', parentKey: 'teacher', estimate: est(4), reused: false, pack: 'p' },
      { key: 's0.q0', parentKey: 's0', estimate: est(1), reused: false },
      { key: 's1', parentKey: 'teacher', estimate: est(4), reused: false, pack: 'p' },
      { key: 's2', parentKey: 'teacher', estimate: est(4), reused: false },
    ];
    const estimate = estimateSweepTime(runs);
    expect(estimate.totalSeconds).toBe(23);
    // s0 finishes with its pack at 18, its PTQ variant at 19.
    expect(estimate.criticalPathSeconds).toBe(19);
    // Two slots: the pack (10 → 18) beside s2 (10 → 14); s0.q0 after the pack.
    expect(scheduledSweepSeconds(runs, 2)).toBe(19);
    expect(scheduledSweepSeconds(runs, 1)).toBe(23);
  });

  it('counts no time for a reused run', () => {
    const estimate = estimateSweepTime([
      { key: 'teacher', parentKey: null, estimate: est(10), reused: true },
      { key: 's0', parentKey: 'teacher', estimate: est(3), reused: false },
    ]);
    expect(estimate.totalSeconds).toBe(3);
    expect(estimate.criticalPathSeconds).toBe(3);
  });
});

describe('THROUGHPUT_CALIBRATION', () => {
  it("holds a rate for every run of the example sweeps, so their dry runs need no extrapolation (re-run bench/calibrate-throughput.ts when a shape's key changes)", () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const spec = SweepSpec.parse(parseDocument(readFileSync(join(EXAMPLES, file), 'utf8'), 'yaml'));
      for (const run of expandSweep(spec)) {
        const estimate = estimateRunTime(run.config, { measured: [], calibration: THROUGHPUT_CALIBRATION });
        expect({ file, key: run.key, source: estimate?.source }).toEqual({ file, key: run.key, source: 'calibration' });
      }
    }
  });
});
