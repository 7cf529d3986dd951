import type { PrismaClient } from '@distillery/db';
import type { QueueProbe, RunDispatcher } from '@distillery/queue';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The team's results database (owned by the host; the API never closes it). */
    db: PrismaClient;
    /** Where queued runs go (owned by the host). */
    queue: RunDispatcher;
    /** Answers `/readyz`'s Redis check (owned by the host). */
    redisProbe: QueueProbe;
  }
}

export interface DependenciesOptions {
  db: PrismaClient;
  queue: RunDispatcher;
  redisProbe: QueueProbe;
}

/** Makes the host's clients available to every route as `app.db`, `app.queue`, `app.redisProbe`. */
const dependencies: FastifyPluginAsync<DependenciesOptions> = async (app, options) => {
  app.decorate('db', options.db);
  app.decorate('queue', options.queue);
  app.decorate('redisProbe', options.redisProbe);
};

export default fp(dependencies, { name: 'distillery-dependencies', fastify: '5.x' });
