import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { testWorkerEnv, WorkerProcess } from './worker-process.ts';

/**
 * A fresh database with one team, the API over it, a queue on `redisUrl` under a prefix of its own, an artifact
 * folder, and the real `distillery worker` processes a test starts on them: what the process-level workflow tests
 * (chaos, threads) share.
 */
export interface WorkerWorld {
  database: TestDatabase;
  app: FastifyInstance;
  queue: RunQueue;
  artifactDir: string;
  /** Every worker started, in order (stopped ones included: their logs and events stay readable). */
  workers: WorkerProcess[];
  /** The last lines of every worker's log, for a failing assertion's message. */
  logs(): string;
  /** Starts a worker on the world's environment and waits until it takes jobs. */
  startWorker(name: string): Promise<WorkerProcess>;
  /** A request to the API with the team's key. */
  request(method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse>;
  /** Submits a sweep through the API as the team; returns its id. */
  submit(spec: object): Promise<string>;
  /** Stops the workers, the API and the queue (its jobs removed), drops the database, removes the folder. */
  close(): Promise<void>;
}

export interface WorkerWorldOptions {
  /** The team's name; also the queue prefix's and artifact folder's stem. */
  team: string;
  redisUrl: string;
  /** Variables added to every worker's environment (DISTILLERY_THREADS, DISTILLERY_PACK_MAX, …). */
  env?: Record<string, string>;
}

export async function createWorkerWorld(o: WorkerWorldOptions): Promise<WorkerWorld> {
  const database = await createTestDatabase();
  const { apiKey } = await createTeam(database.store, o.team);
  const prefix = `${o.team}-${randomUUID().slice(0, 8)}`;
  const queue = new RunQueue({ redisUrl: o.redisUrl, prefix });
  const probe = new RedisProbe(o.redisUrl);
  const app = await buildApp({ db: database.store, queue, redisProbe: probe });
  const artifactDir = await mkdtemp(join(tmpdir(), `distillery-${o.team}-`));
  const env = {
    ...testWorkerEnv({ databaseUrl: database.url, redisUrl: o.redisUrl, prefix, artifactDir }),
    ...o.env,
  };
  const workers: WorkerProcess[] = [];
  const request = (method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${apiKey}` }, ...(payload ? { payload } : {}) });
  return {
    database,
    app,
    queue,
    artifactDir,
    workers,
    logs: () => workers.map((w) => `--- ${w.name} (pid ${w.pid})\n${w.log.slice(-4000)}`).join('\n'),
    async startWorker(name) {
      const worker = new WorkerProcess(env, name);
      workers.push(worker);
      await worker.ready();
      return worker;
    },
    request,
    async submit(spec) {
      const res = await request('POST', '/v1/sweeps', spec);
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await app.close();
      await queue.queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await probe.close();
      await database.drop();
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}
