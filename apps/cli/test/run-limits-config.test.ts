import { describe, expect, it } from 'vitest';
import { resolveQueuedRunQuota, resolveRunLimits } from '../src/run-limits-config.ts';

describe('resolveRunLimits', () => {
  it('keeps the defaults for unset variables and takes the set ones', () => {
    expect(resolveRunLimits({})).toEqual({});
    expect(resolveRunLimits({ DISTILLERY_MAX_PARAMETERS: '5000000', DISTILLERY_MAX_CLASSES: '100' })).toEqual({
      maxParameters: 5_000_000,
      maxClasses: 100,
    });
  });

  it('refuses a parameter limit the runs table cannot store, naming the variable and the rule', () => {
    expect(() => resolveRunLimits({ DISTILLERY_MAX_PARAMETERS: '3000000000' })).toThrow(
      "DISTILLERY_MAX_PARAMETERS must be an integer 1–2147483647, got '3000000000'",
    );
  });
});

describe('resolveQueuedRunQuota', () => {
  it('defaults to 10,000 runs a team may have waiting, and 0 turns it off', () => {
    expect(resolveQueuedRunQuota({})).toEqual({ maxQueuedRuns: 10_000 });
    expect(resolveQueuedRunQuota({ DISTILLERY_MAX_QUEUED_RUNS: '0' })).toBe(false);
    expect(() => resolveQueuedRunQuota({ DISTILLERY_MAX_QUEUED_RUNS: '-1' })).toThrow(/DISTILLERY_MAX_QUEUED_RUNS/);
  });
});
