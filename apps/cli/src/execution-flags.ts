import { MAX_PACK_MAX } from '@distillery/spec';
import { ConfigError } from './config-error.ts';

/**
 * The flags that size a process's executor, the same on every command that runs one (`worker`, and the embedded
 * executor of `run`, `serve` and `demo`): each wins over its variable (DISTILLERY_THREADS, DISTILLERY_PACK_MAX).
 */
export interface ExecutionFlags {
  /** --threads: runs trained at once, one per training thread. @defaultValue DISTILLERY_THREADS, else one per core */
  threads?: string;
  /** --pack-max: runs trained together as one pack at most. @defaultValue DISTILLERY_PACK_MAX, else 8 */
  packMax?: string;
}

/** The executor settings the flags give; a setting the flags leave out is absent (its variable, else the default). */
export interface ExecutionSettings {
  threads?: number;
  packMax?: number;
}

/**
 * The most training threads an executor takes: the worker's MAX_THREADS, written out because this module loads in
 * commands that must not load the worker (and TensorFlow.js) before they execute anything.
 */
export const MAX_EXECUTOR_THREADS = 256;

/** `raw` as an integer `min`–`max`, or a ConfigError naming the flag, the value and the rule. */
export function integerFlag(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer ${min}–${max}, got '${raw}'`);
  }
  return value;
}

/** Checks `--threads` and `--pack-max`, naming the flag, the value and the rule on a bad one. */
export function executionSettings(flags: ExecutionFlags): ExecutionSettings {
  const settings: ExecutionSettings = {};
  if (flags.threads !== undefined) settings.threads = integerFlag('--threads', flags.threads, 1, MAX_EXECUTOR_THREADS);
  if (flags.packMax !== undefined) settings.packMax = integerFlag('--pack-max', flags.packMax, 1, MAX_PACK_MAX);
  return settings;
}

/** Whether any of the flags was given. */
export function givesExecutionSettings(flags: ExecutionFlags): boolean {
  return flags.threads !== undefined || flags.packMax !== undefined;
}
