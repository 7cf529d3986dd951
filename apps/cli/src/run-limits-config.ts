import type { RunLimits } from '@distillery/spec';
import { integerEnv } from './integer-env.ts';

const INT_MAX = 2 ** 31 - 1;

/**
 * The variables that set `serve`'s run limits (apps/api ApiOptions.runLimits; defaults in the spec's
 * DEFAULT_RUN_LIMITS, sized for a 24 GiB worker), with the largest value each accepts.
 */
export const RUN_LIMIT_VARIABLES: ReadonlyArray<readonly [keyof RunLimits, string, number]> = [
  ['maxParameters', 'DISTILLERY_MAX_PARAMETERS', INT_MAX],
  ['maxModelBytes', 'DISTILLERY_MAX_MODEL_BYTES', INT_MAX],
  ['maxActivationBytes', 'DISTILLERY_MAX_ACTIVATION_BYTES', Number.MAX_SAFE_INTEGER],
  ['maxDatasetRows', 'DISTILLERY_MAX_DATASET_ROWS', Number.MAX_SAFE_INTEGER],
  ['maxDatasetBytes', 'DISTILLERY_MAX_DATASET_BYTES', Number.MAX_SAFE_INTEGER],
  ['maxInputValues', 'DISTILLERY_MAX_INPUT_VALUES', Number.MAX_SAFE_INTEGER],
  ['maxClasses', 'DISTILLERY_MAX_CLASSES', 65_536],
  ['maxEpochRows', 'DISTILLERY_MAX_EPOCH_ROWS', Number.MAX_SAFE_INTEGER],
];

/** The run limits the environment sets; unset ones keep the defaults. */
export function resolveRunLimits(env: NodeJS.ProcessEnv): Partial<RunLimits> {
  const limits: Partial<RunLimits> = {};
  for (const [option, variable, max] of RUN_LIMIT_VARIABLES) {
    const value = integerEnv(env, variable, 1, max);
    if (value !== undefined) limits[option] = value;
  }
  return limits;
}

export const DEFAULT_MAX_QUEUED_RUNS = 10_000;

/** env DISTILLERY_MAX_QUEUED_RUNS: runs a team may have waiting to start (0: no quota). */
export function resolveQueuedRunQuota(env: NodeJS.ProcessEnv): { maxQueuedRuns: number } | false {
  const max = integerEnv(env, 'DISTILLERY_MAX_QUEUED_RUNS', 0, 100_000_000) ?? DEFAULT_MAX_QUEUED_RUNS;
  return max === 0 ? false : { maxQueuedRuns: max };
}
