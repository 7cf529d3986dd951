import type { MetricsOptions } from '@distillery/api';
import { ConfigError } from './config-error.ts';
import { integerEnv } from './integer-env.ts';

/** `serve`'s `/metrics` settings: DISTILLERY_METRICS_TOKEN, DISTILLERY_METRICS_REFRESH_MS (README's table). */
export function resolveMetricsOptions(env: NodeJS.ProcessEnv): MetricsOptions {
  const token = env.DISTILLERY_METRICS_TOKEN?.trim();
  if (token !== undefined && token !== '' && token.length < 16) {
    throw new ConfigError('DISTILLERY_METRICS_TOKEN must be at least 16 characters');
  }
  const refreshMs = integerEnv(env, 'DISTILLERY_METRICS_REFRESH_MS', 100, 3_600_000);
  return { ...(token ? { token } : {}), ...(refreshMs !== undefined && { refreshMs }) };
}
