import type { PrismaClient } from '@distillery/db';
import type { RedisProbe, RunQueue } from '@distillery/queue';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The team's results database (owned by the host; the API never closes it). */
    db: PrismaClient;
    /** Where queued runs go (owned by the host). */
    queue: RunQueue;
    /** Answers `/readyz`'s Redis check (owned by the host). */
    redisProbe: RedisProbe;
  }
}

export interface DependenciesOptions {
  db: PrismaClient;
  queue: RunQueue;
  redisProbe: RedisProbe;
}

/** Makes the host's clients available to every route as `app.db`, `app.queue`, `app.redisProbe`. */
const dependencies: FastifyPluginAsync<DependenciesOptions> = async (app, options) => {
  app.decorate('db', options.db);
  app.decorate('queue', options.queue);
  app.decorate('redisProbe', options.redisProbe);
};

export default fp(dependencies, { name: 'distillery-dependencies', fastify: '5.x' });
