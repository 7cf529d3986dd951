import { pingStore, type Store } from '@distillery/db';
import type { QueueProbe } from '@distillery/queue';
import type { FastifyBaseLogger } from 'fastify';
import { withTimeout } from '../lib/with-timeout.ts';
import type { DependencyStatus, Readiness } from '../schemas/health.ts';

export interface ReadinessDeps {
  db: Store;
  redisProbe: QueueProbe;
  log: FastifyBaseLogger;
}

/** Each dependency gets this long to answer: a probe must answer well inside a load balancer's timeout. */
export const READINESS_TIMEOUT_MS = 1000;

/** PostgreSQL (`SELECT 1`) and Redis (PING), checked in parallel; why one failed goes to the log only. */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const check = async (name: string, probe: () => Promise<unknown>): Promise<DependencyStatus> => {
    try {
      await withTimeout(probe(), READINESS_TIMEOUT_MS, name);
      return 'ok';
    } catch (err) {
      deps.log.warn({ err, dependency: name }, 'readiness check failed');
      return 'failed';
    }
  };
  const [postgres, redis] = await Promise.all([
    check('postgres', () => pingStore(deps.db)),
    check('redis', () => deps.redisProbe.ping(READINESS_TIMEOUT_MS)),
  ]);
  return { status: postgres === 'ok' && redis === 'ok' ? 'ready' : 'unavailable', checks: { postgres, redis } };
}
