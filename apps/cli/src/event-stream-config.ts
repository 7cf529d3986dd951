import { integerEnv } from './integer-env.ts';

/** The caps on `serve`'s open event streams (apps/api EventStreamOptions); unset ones keep the API's defaults. */
export interface EventStreamLimits {
  /** env DISTILLERY_MAX_STREAMS_PER_KEY: open streams per API key. @defaultValue 8 */
  maxStreamsPerKey?: number;
  /** env DISTILLERY_MAX_STREAMS_PER_TEAM: open streams per team, all its keys together. @defaultValue 32 */
  maxStreamsPerTeam?: number;
  /** env DISTILLERY_MAX_STREAMS: open streams of the process, all keys together. @defaultValue 256 */
  maxStreams?: number;
}

export function resolveEventStreamLimits(env: NodeJS.ProcessEnv): EventStreamLimits {
  const perKey = integerEnv(env, 'DISTILLERY_MAX_STREAMS_PER_KEY', 1, 100_000);
  const perTeam = integerEnv(env, 'DISTILLERY_MAX_STREAMS_PER_TEAM', 1, 1_000_000);
  const total = integerEnv(env, 'DISTILLERY_MAX_STREAMS', 1, 1_000_000);
  return {
    ...(perKey !== undefined && { maxStreamsPerKey: perKey }),
    ...(perTeam !== undefined && { maxStreamsPerTeam: perTeam }),
    ...(total !== undefined && { maxStreams: total }),
  };
}
