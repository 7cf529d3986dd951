import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  estimateRunTime,
  estimateSweepTime,
  expandSweep,
  measureRunOverhead,
  measureThroughput,
  parseDocument,
  RUN_OVERHEAD_CALIBRATION,
  type RunConfig,
  type RunSpan,
  type RunTiming,
  SweepSpec,
  scheduledSweepSeconds,
  THROUGHPUT_CALIBRATION,
  THROUGHPUT_CALIBRATION_MEASURED,
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
      trainingSeconds: 19,
      overheadSeconds: 0,
      overhead: null,
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

  it('adds the per-run work to each run alone and each pack, in every total, and none to a reused run', () => {
    const overhead = { perRunSeconds: 0.5, perPackSeconds: 2, runs: 10, packs: 3, source: 'measured' as const };
    const runs = [
      { key: 'teacher', parentKey: null, estimate: est(10), reused: false },
      { key: 's0', parentKey: 'teacher', estimate: est(4), reused: false, pack: 'p' },
      { key: 's0.q0', parentKey: 's0', estimate: est(1), reused: false },
      { key: 's1', parentKey: 'teacher', estimate: est(4), reused: false, pack: 'p' },
      { key: 's2', parentKey: 'teacher', estimate: null, reused: false },
      { key: 's3', parentKey: 'teacher', estimate: est(3), reused: true },
    ];
    const estimate = estimateSweepTime(runs, overhead);
    // The teacher, s0.q0 and s2 alone (0.5 s each, s2 without an estimate too: it is claimed all the same), the
    // pack of s0 and s1 (2 s); s3 is reused.
    expect(estimate).toMatchObject({ trainingSeconds: 19, overheadSeconds: 3.5, totalSeconds: 22.5, overhead });
    // teacher (10.5) → the pack (8 + 2) → s0.q0 (1.5).
    expect(estimate.criticalPathSeconds).toBe(22);
    expect(scheduledSweepSeconds(runs, 1, overhead)).toBe(22.5);
    // Two slots: the pack (10.5 → 20.5) beside s2 (10.5 → 11); s0.q0 after the pack.
    expect(scheduledSweepSeconds(runs, 2, overhead)).toBe(22);
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

describe('measureRunOverhead', () => {
  // One executor with two threads (w1), and another executor's one run (w2); times in seconds.
  const span = (s: Partial<RunSpan> & Pick<RunSpan, 'runId' | 'startedAt' | 'finishedAt' | 'seconds'>): RunSpan => ({
    task: s.runId,
    parentId: null,
    workerId: 'w1',
    createdAt: 0,
    packSize: 1,
    ...s,
  });
  const record: RunSpan[] = [
    // The first task of a thread counts from its claim: 11 - 1 - 9.5.
    span({ runId: 't', startedAt: 1, finishedAt: 11, seconds: 9.5 }),
    // Ready at 11 (the teacher's end) on the thread the teacher freed: 15 - 11 - 3.6.
    span({ runId: 'c', parentId: 't', startedAt: 11.2, finishedAt: 15, seconds: 3.6 }),
    // A pack of two on the second thread, counted from its claim: 20 - 11.3 - (7.6 + 8.6) / 2.
    span({ runId: 'a', parentId: 't', packSize: 2, startedAt: 11.3, finishedAt: 19, seconds: 7.6 }),
    span({ runId: 'b', task: 'a', parentId: 't', packSize: 2, startedAt: 11.3, finishedAt: 20, seconds: 8.6 }),
    // Ready when c finished, on c's thread: 17 - 15 - 1.5.
    span({ runId: 'd', parentId: 'c', startedAt: 15.3, finishedAt: 17, seconds: 1.5 }),
    // Stored at 16.5, after its thread came free at 17: 18 - 17 - 0.6.
    span({ runId: 'e', parentId: 't', createdAt: 16.5, startedAt: 17.2, finishedAt: 18, seconds: 0.6 }),
    // Another executor's threads are its own: its first task, from its claim: 6 - 5 - 0.8.
    span({ runId: 'f', workerId: 'w2', startedAt: 5, finishedAt: 6, seconds: 0.8 }),
    // A pack with a member outside the record: its time is unknown, and it counts for nothing.
    span({ runId: 'g', packSize: 3, startedAt: 2, finishedAt: 30, seconds: 1 }),
  ];

  it("takes each task's time on its thread beyond its runs' share of their results: per run alone, per pack", () => {
    const overhead = measureRunOverhead(record);
    expect(overhead?.runs).toBe(5);
    expect(overhead?.packs).toBe(1);
    expect(overhead?.perRunSeconds).toBeCloseTo((0.5 + 0.4 + 0.5 + 0.4 + 0.2) / 5, 9);
    expect(overhead?.perPackSeconds).toBeCloseTo(0.6, 9);
  });

  it('gives a record without packs its per-run seconds for packs too, and nothing for an empty record', () => {
    const alone = measureRunOverhead(record.filter((s) => s.packSize === 1));
    expect(alone?.packs).toBe(0);
    expect(alone?.perPackSeconds).toBe(alone?.perRunSeconds);
    expect(measureRunOverhead([])).toBeNull();
  });
});

describe('THROUGHPUT_CALIBRATION', () => {
  it('comes with the per-run work of the same executions, or none while its rates predate measuring it', () => {
    // Rates measured by running each run directly (no `threads` in the record) had no executor around them.
    if (RUN_OVERHEAD_CALIBRATION === null) {
      expect(THROUGHPUT_CALIBRATION_MEASURED).not.toHaveProperty('threads');
      return;
    }
    expect(THROUGHPUT_CALIBRATION_MEASURED).toHaveProperty('threads');
    expect(RUN_OVERHEAD_CALIBRATION.source).toBe('calibration');
    expect(RUN_OVERHEAD_CALIBRATION.runs + RUN_OVERHEAD_CALIBRATION.packs).toBeGreaterThan(0);
    expect(RUN_OVERHEAD_CALIBRATION.perRunSeconds).toBeGreaterThan(0);
  });

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
