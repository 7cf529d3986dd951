import { DEFAULT_RUN_LIMITS, type RunLimits } from '@distillery/spec';

/** `runs.predicted_parameters` and `runs.predicted_bytes` are 32-bit integer columns. */
const INT_COLUMN_MAX = 2 ** 31 - 1;

/** The limits sweeps are checked against: the operator's, over the spec's defaults, each a positive integer. */
export function resolveRunLimits(overrides: Partial<RunLimits> = {}): RunLimits {
  const limits: RunLimits = { ...DEFAULT_RUN_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`ApiOptions.runLimits.${name} must be a positive integer, got ${value}`);
    }
  }
  for (const name of ['maxParameters', 'maxModelBytes'] as const) {
    if (limits[name] > INT_COLUMN_MAX) {
      throw new RangeError(`ApiOptions.runLimits.${name} must be at most ${INT_COLUMN_MAX}, got ${limits[name]}`);
    }
  }
  return limits;
}
