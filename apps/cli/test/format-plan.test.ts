import type { SweepPlan } from '@distillery/api';
import { describe, expect, it } from 'vitest';
import { dryRunUrl, formatPlan } from '../src/commands/sweep-submit-command.ts';
import { formatSweepEstimate } from '../src/format-estimated-time.ts';

const size = { codeBytes: 0, headerBytes: 0, quantizedValues: 0, quantizedFraction: 0, bits: 32 };
type PlannedRun = SweepPlan['runs'][number];
const NO_ESTIMATE: SweepPlan['estimatedTime'] = {
  totalSeconds: 0,
  trainingSeconds: 0,
  overheadSeconds: 0,
  overhead: null,
  criticalPathSeconds: 0,
  runsBySource: { measured: 0, calibration: 0, extrapolated: 0 },
  unestimatedRuns: 0,
};
const run = (
  key: string,
  kind: PlannedRun['kind'],
  parameters: number,
  smh: PlannedRun['smh'],
  estimatedTime: PlannedRun['estimatedTime'] = null,
) =>
  ({
    key,
    kind,
    parentKey: kind === 'teacher' ? null : 'teacher',
    parentRunId: null,
    label: key,
    group: 'g',
    configHash: 'h',
    identity: 'i',
    reusedFrom: null,
    config: {},
    predicted: { ...size, parameters, bytes: parameters * 4, floatBytes: parameters * 4 },
    smh,
    estimatedTime,
  }) as unknown as PlannedRun;
const estimate = (seconds: number, source: 'measured' | 'calibration' | 'extrapolated') => ({
  seconds,
  source,
  backend: 'wasm',
  shape: 'kd mlp 784-16-10 relu bn b64',
  basis: 'kd mlp 784-16-10 relu bn b64',
  runs: 3,
  msPerStep: 1.2,
});

describe('formatPlan', () => {
  it('prints one line per SMH pool of the plan, with the runs that share it', () => {
    const pool = { kernelValues: 25_408, m: 160, k: 15, poolValues: 4_800 };
    const plan: SweepPlan = {
      name: 'smh',
      specHash: 's',
      runCount: 4,
      reusedRunCount: 0,
      reusedTeacherRunId: null,
      runs: [
        run('teacher', 'teacher', 50_890, null),
        run('s0.seed1', 'student', 4_994, pool),
        run('s0.seed2', 'student', 4_994, pool),
        run('s1.seed1', 'student', 1_794, { ...pool, k: 5, poolValues: 1_600 }),
      ],
      packMax: 8,
      packs: [],
      warnings: [],
      estimatedTime: NO_ESTIMATE,
    };
    const lines = formatPlan(plan).split('\n');
    expect(lines.filter((l) => l.startsWith('smh pool'))).toEqual([
      'smh pool of s0.seed1 (+1): L 160×15 + R 15×160 = 4800 values for 25408 kernel values (18.9%)',
      'smh pool of s1.seed1: L 160×5 + R 5×160 = 1600 values for 25408 kernel values (6.3%)',
    ]);
  });

  it('prints one line per CREMBO search of the plan: its trainings at most, loss and validation share', () => {
    const crembo = { thresholds: 12, loss: 'bce', maxEpochs: 24, validation: 0.2 };
    const plan: SweepPlan = {
      name: 'crembo',
      specHash: 's',
      runCount: 4,
      reusedRunCount: 0,
      reusedTeacherRunId: null,
      runs: [
        run('teacher', 'teacher', 50_890, null),
        { ...run('s0.seed1', 'student', 4_994, null), crembo: null },
        { ...run('s1.seed1', 'student', 4_994, null), crembo },
        { ...run('s1.seed2', 'student', 4_994, null), crembo },
      ],
      packMax: 8,
      packs: [],
      warnings: [],
      estimatedTime: NO_ESTIMATE,
    };
    expect(
      formatPlan(plan)
        .split('\n')
        .filter((l) => l.startsWith('crembo')),
    ).toEqual([
      'crembo s1.seed1 (+1): up to 12 trainings of 2 epochs (24 in all), bce loss, student selected on 20% of the ' +
        'training rows',
    ]);
  });

  it('prints no pool line for a plan without SMH models', () => {
    const plan: SweepPlan = {
      name: 'dense',
      specHash: 's',
      runCount: 1,
      reusedRunCount: 0,
      reusedTeacherRunId: null,
      runs: [run('teacher', 'teacher', 50_890, null)],
      packMax: 8,
      packs: [],
      warnings: [],
      estimatedTime: NO_ESTIMATE,
    };
    expect(formatPlan(plan)).not.toMatch(/smh/);
  });

  it("prints each run's estimated time with where its rate came from, then the sweep's total and critical path", () => {
    const plan: SweepPlan = {
      name: 'timed',
      specHash: 's',
      runCount: 3,
      reusedRunCount: 0,
      reusedTeacherRunId: null,
      runs: [
        run('teacher', 'teacher', 50_890, null, estimate(75, 'measured')),
        run('s0.seed1', 'student', 4_994, null, estimate(4.25, 'calibration')),
        run('s1.seed1', 'student', 1_794, null, estimate(1_100, 'extrapolated')),
      ],
      packMax: 8,
      packs: [],
      warnings: [],
      estimatedTime: {
        totalSeconds: 4 * 3600,
        trainingSeconds: 4 * 3600,
        overheadSeconds: 0,
        overhead: null,
        criticalPathSeconds: 20 * 60,
        runsBySource: { measured: 1, calibration: 1, extrapolated: 1 },
        unestimatedRuns: 2,
      },
    };
    const lines = formatPlan(plan).split('\n');
    expect(lines.find((l) => l.startsWith('teacher '))).toMatch(/≈75 s measured +trains$/);
    expect(lines.find((l) => l.startsWith('s0.seed1 '))).toMatch(/≈4\.3 s calibration +trains$/);
    expect(lines.find((l) => l.startsWith('s1.seed1 '))).toMatch(/≈18\.3 min extrapolated +trains$/);
    expect(lines.at(-1)).toBe(
      'estimated time: ≈4.0 h on one executor, ≈20.0 min along the critical path (runs: 1 measured here, ' +
        '1 from calibration, 1 extrapolated, 2 without an estimate, not counted; estimates, not measurements)',
    );
  });

  it('says there is nothing to train when every run would be reused', () => {
    const plan: SweepPlan = {
      name: 'reused',
      specHash: 's',
      runCount: 1,
      reusedRunCount: 1,
      reusedTeacherRunId: 'r',
      runs: [run('teacher', 'teacher', 50_890, null, estimate(75, 'measured'))],
      packMax: 8,
      packs: [],
      warnings: [],
      estimatedTime: NO_ESTIMATE,
    };
    expect(formatPlan(plan).split('\n').at(-1)).toBe('estimated time: nothing to train (every run is reused)');
  });

  /** A measured teacher (10 s) and three students of it (4 s each), with `packs` and `estimatedTime`. */
  const teacherAndThreeStudents = (
    name: string,
    packs: SweepPlan['packs'],
    estimatedTime: SweepPlan['estimatedTime'],
  ): SweepPlan => {
    const child = (key: string) => ({
      ...run(key, 'student', 4_994, null, estimate(4, 'measured')),
      parentKey: 'teacher',
    });
    return {
      name,
      specHash: 's',
      runCount: 4,
      reusedRunCount: 0,
      reusedTeacherRunId: null,
      runs: [run('teacher', 'teacher', 50_890, null, estimate(10, 'measured')), child('a'), child('b'), child('c')],
      packMax: 8,
      packs,
      warnings: [],
      estimatedTime,
    };
  };

  it('adds the time with several training threads, scheduled over the plan, when the executor has them', () => {
    const plan = teacherAndThreeStudents('threads', [], {
      totalSeconds: 22,
      trainingSeconds: 22,
      overheadSeconds: 0,
      overhead: null,
      criticalPathSeconds: 14,
      runsBySource: { measured: 4, calibration: 0, extrapolated: 0 },
      unestimatedRuns: 0,
    });
    // Two threads: the teacher (10 s), then a and b together (14 s), then c (18 s).
    expect(formatSweepEstimate(plan, 2)).toBe(
      'estimated time: ≈22 s on one executor, ≈18 s with 2 training threads, ≈14 s along the critical path ' +
        '(runs: 4 measured here; estimates, not measurements)',
    );
  });

  it('names the per-run work as its own term of the one-executor time, and schedules it over the threads', () => {
    // The teacher and c alone (1 s each), a and b as one pack (2 s): 22 s of training + 4 s of per-run work.
    const plan = teacherAndThreeStudents('overhead', [{ keys: ['a', 'b'], parent: 'teacher', packKey: 'k' }], {
      totalSeconds: 26,
      trainingSeconds: 22,
      overheadSeconds: 4,
      overhead: { perRunSeconds: 1, perPackSeconds: 2, runs: 40, packs: 12, source: 'measured' },
      criticalPathSeconds: 21,
      runsBySource: { measured: 4, calibration: 0, extrapolated: 0 },
      unestimatedRuns: 0,
    });
    // Two threads: the teacher (10 + 1 s), then the pack (8 + 2 s) beside c (4 + 1 s): 21 s.
    expect(formatSweepEstimate(plan, 2).split('\n')).toEqual([
      'estimated time: ≈26 s on one executor, ≈21 s with 2 training threads, ≈21 s along the critical path ' +
        '(runs: 4 measured here; estimates, not measurements)',
      '  ≈22 s training + ≈4.0 s per-run work (1.0 s per run alone × 2, 2.0 s per pack × 1; measured here)',
    ]);
  });

  it('prints one line per planned pack, after a line that counts them', () => {
    const plan: SweepPlan = {
      name: 'packed',
      specHash: 's',
      runCount: 3,
      reusedRunCount: 0,
      reusedTeacherRunId: null,
      runs: [
        run('teacher', 'teacher', 50_890, null),
        run('s0.seed1', 'student', 1_794, null),
        run('s0.seed2', 'student', 1_794, null),
      ],
      packMax: 4,
      packs: [{ keys: ['s0.seed1', 's0.seed2'], parent: 'teacher', packKey: 'k' }],
      warnings: [],
      estimatedTime: NO_ESTIMATE,
    };
    expect(
      formatPlan(plan)
        .split('\n')
        .filter((l) => l.includes('pack')),
    ).toEqual([
      '2 runs train in 1 pack(s) of up to 4 (each keeps its own result):',
      'pack of 2 (waits for teacher): s0.seed1, s0.seed2',
    ]);
  });
});

describe('dryRunUrl', () => {
  it('plans the packs for DISTILLERY_PACK_MAX when it is set, else leaves the API its default', () => {
    expect(dryRunUrl(false, {})).toBe('/v1/sweeps?dryRun=true');
    expect(dryRunUrl(true, { DISTILLERY_PACK_MAX: '1' })).toBe('/v1/sweeps?dryRun=true&rerun=true&packMax=1');
    expect(() => dryRunUrl(false, { DISTILLERY_PACK_MAX: '0' })).toThrow(/DISTILLERY_PACK_MAX must be an integer 1–64/);
  });
});
