import { ConfigError } from './config-error.ts';

/** An integer setting from the environment, or undefined when unset; a bad value names the variable and the rule. */
export function integerEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer ${min}–${max}, got '${raw}'`);
  }
  return value;
}
