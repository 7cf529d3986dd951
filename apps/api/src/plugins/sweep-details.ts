import type { RunEventSource } from '@distillery/db';
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import { SweepDetailCache, type SweepDetailCacheOptions } from '../lib/sweep-detail-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** `GET /v1/sweeps/:id` answers as read a moment ago (see SweepDetailCache). */
    sweepDetails: SweepDetailCache;
  }
}

export interface SweepDetailsOptions {
  /** The notifications that drop a sweep's answer when its runs change; without them nothing is remembered. */
  source: RunEventSource | undefined;
  cache: SweepDetailCacheOptions;
}

/**
 * Makes `app.sweepDetails` available. Every request that may write (any method but GET and HEAD, answered
 * with success or not) drops what was read before it, just before its answer is sent, so the client's next read
 * sees its own write without waiting for the write's notification.
 */
const sweepDetails: FastifyPluginCallback<SweepDetailsOptions> = (app, options, done) => {
  const cache = new SweepDetailCache(options.source, options.cache);
  app.decorate('sweepDetails', cache);
  if (cache.enabled) {
    app.addHook('onSend', (request, _reply, payload, next) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') cache.noteWrite();
      next(null, payload);
    });
  }
  app.addHook('onClose', (_app, next) => {
    cache.close();
    next();
  });
  done();
};

export default fp(sweepDetails, { name: 'distillery-sweep-details', fastify: '5.x' });
