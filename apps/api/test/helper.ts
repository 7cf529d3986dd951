import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTeam, type Store } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { type ApiOptions, buildApp } from '../src/index.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The repository's copy of the contract examples (identical to the shared ones). */
const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', '..', 'examples');

export interface TestTeam {
  teamId: string;
  apiKey: string;
}

/** One suite's world: a fresh migrated database, its own queue prefix, two teams, and the app. */
export interface TestApi {
  app: FastifyInstance;
  /** The store the app runs on. */
  store: Store;
  /** The store's Prisma client, for fixtures and assertions. */
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  /** The suite's database URL (e.g. for a LISTEN connection). */
  databaseUrl: string;
  queue: RunQueue;
  redisProbe: RedisProbe;
  /** The team most tests act as. */
  team: TestTeam;
  /** Another team, to check isolation. */
  otherTeam: TestTeam;
  /** `app.inject` as `team` (or `as`), with the Authorization header set. */
  request(options: InjectOptions & { as?: TestTeam | null }): Promise<LightMyRequestResponse>;
  /** Run ids currently on this suite's queue (waiting, i.e. not yet taken by a worker: there is none). */
  queuedRunIds(): Promise<string[]>;
  close(): Promise<void>;
}

/** Builds the app against real PostgreSQL and Redis; call `close()` in `afterAll`. */
export async function buildTestApi(overrides: Partial<ApiOptions> = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `api-test-${randomUUID().slice(0, 8)}` });
  const redisProbe = new RedisProbe(REDIS_URL);
  const suffix = randomUUID().slice(0, 8);
  const team = await createTeam(database.store, `team-a-${suffix}`);
  const otherTeam = await createTeam(database.store, `team-b-${suffix}`);
  const app = await buildApp({ db: database.store, queue, redisProbe, logger: false, ...overrides });
  await app.ready();
  return {
    app,
    store: database.store,
    db: database.db,
    databaseUrl: database.url,
    queue,
    redisProbe,
    team,
    otherTeam,
    request: ({ as = team, headers, ...options }) =>
      app.inject({
        ...options,
        headers: { ...(as ? { authorization: `Bearer ${as.apiKey}` } : {}), ...headers },
      }),
    queuedRunIds: async () => {
      const jobs = await queue.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      return jobs.map((j) => j.data.runId);
    },
    close: async () => {
      await app.close();
      await queue.queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await redisProbe.close();
      await database.drop();
    },
  };
}

/**
 * The suite's {@link TestApi}, built in a `beforeAll` and closed in an `afterAll` that this registers where it is
 * called (a test file's top level). Read it inside tests and hooks: before the build, any use throws.
 */
export function useTestApi(overrides: Partial<ApiOptions> = {}): TestApi {
  let built: TestApi | undefined;
  beforeAll(async () => {
    built = await buildTestApi(overrides);
  });
  afterAll(async () => {
    await built?.close();
  });
  // A stand-in for the one built: TestApi's members are plain values and closures, so reading them through it is
  // reading them from the built one.
  return new Proxy({} as TestApi, {
    get: (_, member) => {
      if (built === undefined) throw new Error('the test API is used before its beforeAll hook built it');
      return built[member as keyof TestApi];
    },
  });
}

/** The contract examples (`examples/*.yaml`): they must be accepted unchanged. */
export function contractExamples(): { file: string; yaml: string }[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, yaml: readFileSync(join(EXAMPLES_DIR, file), 'utf8') }));
}

/**
 * Each quickstart() gets its own teacher seed, so its teacher is a new configuration: identical teachers are
 * trained once per team and reused by later sweeps, which would otherwise make a suite's sweeps depend
 * on the order they were submitted in. Tests of that reuse pass the same `teacher` twice.
 */
let nextTeacherSeed = 1000;

/** The smallest useful sweep: a teacher, two students (relu, LMA-8), one PTQ variant each, one seed. */
export function quickstart(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'quickstart',
    tags: ['demo'],
    dataset: { name: 'mnist', limit: { train: 6000, test: 1000 }, validation: 0.1 },
    teacher: {
      model: { family: 'mlp', hidden: [128], activation: 'relu' },
      train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
      seed: nextTeacherSeed++,
    },
    students: {
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
      distill: { temperature: 2, alpha: 0.7 },
      grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }] },
    },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds: [1],
    ...overrides,
  };
}

/** POSTs a sweep as JSON and returns the created sweep's id (fails the test otherwise). */
export async function submitSweep(api: TestApi, spec: unknown, as: TestTeam = api.team): Promise<string> {
  const res = await api.request({ method: 'POST', url: '/v1/sweeps', payload: spec as object, as });
  if (res.statusCode !== 201) throw new Error(`expected 201, got ${res.statusCode}: ${res.body}`);
  return res.json().id;
}

/** `GET url` as the suite's team, which must answer 200; its JSON body. */
export async function getJson<T>(api: TestApi, url: string): Promise<T> {
  const res = await api.request({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

/** `GET url` as the suite's team, expected to answer 200 with a CSV file; its lines (CRLF between them). */
export async function getCsvLines(api: TestApi, url: string): Promise<string[]> {
  const res = await api.request({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  return res.body.trimEnd().split('\r\n');
}

/** The config columns every results CSV ends with, spelled out as the header must read them. */
export const CONFIG_CSV_HEADER =
  ',dataset.name,model.family,model.hidden,model.channels,model.activation,model.smh.fraction,distill.temperature,' +
  'distill.alpha,distill.method,distill.thresholds,distill.loss,train.optimizer.name,train.optimizer.lr,' +
  'train.epochs,train.batchSize,quantize.method,quantize.bits,quantize.bucketSize,quantize.keepFloat,' +
  'quantize.noise,quantize.blockSize,quantize.centroids,prune.method,prune.sparsity,prune.retrainEpochs,' +
  'prune.rounds,prune.alpha,data.source,data.method,data.samples,teacher,seed';

/** Closes each of `closables` that was opened, in order: an afterAll's, whose beforeAll may have stopped part way. */
export async function closeInOrder(...closables: ({ close(): Promise<unknown> } | undefined)[]): Promise<void> {
  for (const closable of closables) await closable?.close();
}

/**
 * Submits quickstart's teacher and students over a grid of relu and LMA (8 segments) × `hidden`, each student with
 * a 4-bit PTQ variant, for `seeds`; the sweep's id.
 */
export function submitActivationGrid(api: TestApi, name: string, hidden: number[][], seeds: number[]): Promise<string> {
  const base = quickstart();
  return submitSweep(
    api,
    quickstart({
      name,
      students: {
        ...(base.students as object),
        grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }], 'model.hidden': hidden },
      },
      quantize: [{ method: 'ptq', bits: 4 }],
      seeds,
    }),
  );
}

/** A stand-in result for a run these tests complete by hand (no training): what completeRun stores. */
export const STAND_IN_RESULT = {
  accuracy: 0.9,
  loss: 0.1,
  parameters: 1,
  bytes: 1,
  bits: 32,
  backend: 'test',
  seconds: 0,
  splitDigest: '0'.repeat(64),
};
