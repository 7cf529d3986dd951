import { randomUUID } from 'node:crypto';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { DataRoots } from '@distillery/spec';
import type { FastifyInstance } from 'fastify';
import { REDIS_URL } from './test-world.ts';

/** The API in process over a fresh database and its own queue prefix, with one team's key; jobs are not run. */
export interface ApiWorld {
  database: TestDatabase;
  app: FastifyInstance;
  /** The bearer key of the team `workers`. */
  key: string;
  /** Closes the app, empties and closes the queue, drops the database. */
  close(): Promise<void>;
}

/** An {@link ApiWorld} whose queue keys start with `queuePrefix-` and whose data paths resolve under `dataRoots`. */
export async function createApiWorld(queuePrefix: string, dataRoots: DataRoots): Promise<ApiWorld> {
  const database = await createTestDatabase();
  const key = (await createTeam(database.store, 'workers')).apiKey;
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `${queuePrefix}-${randomUUID().slice(0, 8)}` });
  const probe = new RedisProbe(REDIS_URL);
  const app = await buildApp({ db: database.store, queue, redisProbe: probe, dataRoots });
  return {
    database,
    app,
    key,
    close: async () => {
      await app.close();
      await queue.queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await probe.close();
      await database.drop();
    },
  };
}
