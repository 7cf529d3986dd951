import type { Store } from '@distillery/db';
import type { QueueProbe, RunDispatcher } from '@distillery/queue';
import type { DataRoots } from '@distillery/spec';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The team's results database (owned by the host; the API never closes it). */
    db: Store;
    /** Where queued runs go (owned by the host). */
    queue: RunDispatcher;
    /** Answers `/readyz`'s Redis check (owned by the host). */
    redisProbe: QueueProbe;
    /** Where a sweep's `dataset.path` may point (checked at submission). */
    dataRoots: DataRoots;
  }
}

export interface DependenciesOptions {
  db: Store;
  queue: RunDispatcher;
  redisProbe: QueueProbe;
  dataRoots: DataRoots;
}

/** Makes the host's clients available to every route as `app.db`, `app.queue`, `app.redisProbe`, `app.dataRoots`. */
const dependencies: FastifyPluginAsync<DependenciesOptions> = async (app, options) => {
  app.decorate('db', options.db);
  app.decorate('queue', options.queue);
  app.decorate('redisProbe', options.redisProbe);
  app.decorate('dataRoots', options.dataRoots);
};

export default fp(dependencies, { name: 'distillery-dependencies', fastify: '5.x' });
