import type { SweepPlan } from '@distillery/api';
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../src/commands/sweep-submit-command.ts';

const size = { codeBytes: 0, headerBytes: 0, quantizedValues: 0, quantizedFraction: 0, bits: 32 };
type PlannedRun = SweepPlan['runs'][number];
const run = (key: string, kind: PlannedRun['kind'], parameters: number, smh: PlannedRun['smh']) =>
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
  }) as unknown as PlannedRun;

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
      warnings: [],
    };
    const lines = formatPlan(plan).split('\n');
    expect(lines.filter((l) => l.startsWith('smh pool'))).toEqual([
      'smh pool of s0.seed1 (+1): L 160×15 + R 15×160 = 4800 values for 25408 kernel values (18.9%)',
      'smh pool of s1.seed1: L 160×5 + R 5×160 = 1600 values for 25408 kernel values (6.3%)',
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
      warnings: [],
    };
    expect(formatPlan(plan)).not.toMatch(/smh/);
  });
});
