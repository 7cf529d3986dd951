import { randomUUID } from 'node:crypto';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, type FuzzRequest, hostileBodies, validSweep } from './support/fuzz-corpus.ts';

/**
 * The API under hostile input, as `serve` runs it (listening on a port, real PostgreSQL and Redis, default
 * options but the per-key rate limit, which would otherwise answer most of the corpus with 429 before any
 * handler sees it). The corpus is seeded (FUZZ_SEED to try another) and bounded: a few hundred requests.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/**
 * Slowest answer allowed to any request of the corpus: a YAML body may wait for one of the two parsing threads
 * (up to the 1 s parse budget) and then use its own budget.
 */
const REQUEST_BOUND_MS = 4000;
/** Slowest `/healthz` allowed while the worst body of the corpus is being refused. */
const HEALTHZ_BOUND_MS = 100;
/**
 * Slowest `/healthz` allowed while the whole corpus runs, four requests at a time: JSON bodies of up to 1 MiB
 * are parsed on the event loop (~10–100 ms each on a loaded machine); before the document limits and the
 * parsing threads, one YAML body held it for minutes.
 */
const HEALTHZ_THROUGHOUT_BOUND_MS = 1000;
/** Requests in flight at once. */
const CONCURRENCY = 4;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let app: FastifyInstance;
let base: string;
let corpus: FuzzRequest[];
let close: () => Promise<void>;

beforeAll(async () => {
  const database = await createTestDatabase();
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `fuzz-${randomUUID().slice(0, 8)}` });
  const redisProbe = new RedisProbe(REDIS_URL);
  const team = await createTeam(database.store, `fuzz-${randomUUID().slice(0, 8)}`);
  app = await buildApp({ db: database.store, queue, redisProbe, rateLimit: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  close = async () => {
    await app.close();
    await queue.queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await redisProbe.close();
    await database.drop();
  };
  // The Redis probe connects on first use; connecting is not what the corpus measures.
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const headers = { authorization: `Bearer ${team.apiKey}`, 'content-type': 'application/json' };
  const sweep = await fetch(`${base}/v1/sweeps`, { method: 'POST', headers, body: JSON.stringify(validSweep()) });
  expect(sweep.status).toBe(201);
  const sweepId = ((await sweep.json()) as { id: string }).id;
  const runs = (await (await fetch(`${base}/v1/sweeps/${sweepId}/runs`, { headers })).json()) as {
    items: { id: string }[];
  };
  const body = JSON.stringify({ name: 'fuzz', role: 'viewer' });
  const key = await fetch(`${base}/v1/keys`, { method: 'POST', headers, body });
  expect(key.status).toBe(201);
  corpus = buildCorpus(SEED, {
    apiKey: team.apiKey,
    sweepId,
    runId: runs.items[0]?.id ?? randomUUID(),
    keyId: ((await key.json()) as { id: string }).id,
  });
});
afterAll(async () => {
  await close?.();
});

interface Outcome {
  request: FuzzRequest;
  status: number;
  ms: number;
  body: string;
}

async function send(request: FuzzRequest): Promise<Outcome> {
  const started = performance.now();
  const res = await fetch(`${base}${request.url}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal: AbortSignal.timeout(REQUEST_BOUND_MS * 3),
  });
  const body = await res.text();
  return { request, status: res.status, ms: performance.now() - started, body };
}

/** `/healthz` every 10 ms until `done` settles; the slowest answer. */
async function healthzWorstMs(done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  let worst = 0;
  while (!finished) {
    const started = performance.now();
    const res = await fetch(`${base}/healthz`);
    await res.text();
    expect(res.status).toBe(200);
    worst = Math.max(worst, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return worst;
}

describe('the API under a fuzz corpus of bodies, query strings and headers', () => {
  it('answers every request without a 5xx and within the bound, /healthz answering throughout', async () => {
    const outcomes: Outcome[] = [];
    const queue = [...corpus];
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) outcomes.push(await send(next));
    });
    const all = Promise.all(workers);
    const healthz = await healthzWorstMs(all);
    await all;

    const slowest = outcomes.reduce((a, b) => (b.ms > a.ms ? b : a));
    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    console.log(
      `fuzz corpus (seed ${SEED}): ${outcomes.length} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `worst latency ${slowest.ms.toFixed(0)} ms (${slowest.request.name}); worst /healthz meanwhile ${healthz.toFixed(0)} ms`,
    );
    const serverErrors = outcomes.filter((o) => o.status >= 500);
    expect(serverErrors.map((o) => `${o.request.name}: ${o.status} ${o.body.slice(0, 200)}`)).toEqual([]);
    expect(healthz).toBeLessThan(HEALTHZ_THROUGHOUT_BOUND_MS);
    const slow = outcomes.filter((o) => o.ms > REQUEST_BOUND_MS);
    expect(slow.map((o) => `${o.request.name}: ${o.ms.toFixed(0)} ms`)).toEqual([]);
    // Every answer is a JSON error body or a success, never an internal message.
    for (const o of outcomes.filter((x) => x.status >= 400)) {
      expect(o.body, o.request.name).not.toMatch(/at \S+\.ts:\d+|Prisma|stack/);
    }
  });

  it(`answers /healthz within ${HEALTHZ_BOUND_MS} ms while the worst body of the corpus is being refused`, async () => {
    const worst = hostileBodies().find((b) => b.worst);
    if (!worst) throw new Error('the corpus names no worst body');
    const refused = send({
      name: worst.name,
      method: 'POST',
      url: '/v1/sweeps?dryRun=true',
      headers: { authorization: corpus[0]?.headers.authorization ?? '', 'content-type': worst.contentType },
      body: worst.body,
    });
    const healthz = await healthzWorstMs(refused);
    const outcome = await refused;
    console.log(
      `worst body (${worst.name}): ${outcome.status} after ${outcome.ms.toFixed(0)} ms; worst /healthz meanwhile ${healthz.toFixed(0)} ms`,
    );
    expect(outcome.status).toBe(400);
    expect(healthz).toBeLessThan(HEALTHZ_BOUND_MS);
  });
});
