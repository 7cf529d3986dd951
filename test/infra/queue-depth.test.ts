import { randomUUID } from 'node:crypto';
import { createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { RunQueue } from '@distillery/queue';
import { RUN_STATES } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readRepoFile } from './support/paths.ts';

/**
 * The workers' autoscaling signal, run for real: the KEDA ScaledObjects' PostgreSQL query against a migrated
 * database, and why it reads PostgreSQL rather than Redis (BullMQ keeps prioritized jobs out of the wait list).
 */

const QUERY = (
  parseYaml(readRepoFile('infra/k8s/components/worker-cpu/scaledobject.yaml')) as {
    spec: { triggers: { metadata: { query: string } }[] };
  }
).spec.triggers[0]?.metadata.query as string;

describe('worker autoscaling signal', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase({ prefix: 'distillery_infra' });
  });
  afterAll(() => testDb?.drop());

  it('names only run states the application uses', () => {
    const literals = [...QUERY.matchAll(/state = '([a-z-]+)'/g)].map((m) => m[1]);
    expect(literals.length).toBeGreaterThan(0);
    for (const state of literals) expect(RUN_STATES).toContain(state);
  });

  it('counts the runs that need a worker: running, and queued unless waiting out a retry backoff', async () => {
    const { db } = testDb;
    const { teamId } = await createTeam(testDb.store, `infra-${randomUUID()}`);
    const sweep = await db.sweep.create({
      data: { teamId, name: 'autoscaling', tags: [], spec: {}, canonical: {}, specHash: randomUUID() },
    });
    const minute = 60_000;
    const runs: { state: string; notBefore?: Date }[] = [
      { state: 'running' },
      { state: 'running' },
      { state: 'queued' },
      { state: 'queued', notBefore: new Date(Date.now() - minute) },
      { state: 'queued', notBefore: new Date(Date.now() + 10 * minute) }, // backoff: not yet
      { state: 'waiting' }, // its parent has not finished
      { state: 'succeeded' },
      { state: 'failed' },
      { state: 'cancelled' },
    ];
    await db.run.createMany({
      data: runs.map((r, i) => ({
        sweepId: sweep.id,
        teamId,
        key: `r${i}`,
        kind: 'student',
        label: `run ${i}`,
        groupHash: 'g',
        configHash: `c${i}`,
        config: {},
        state: r.state,
        notBefore: r.notBefore ?? null,
        predictedParameters: 1,
        predictedBytes: 1,
        bits: 32,
      })),
    });
    const [row] = await db.$queryRawUnsafe<Record<string, bigint | number>[]>(QUERY);
    expect(Number(Object.values(row ?? {})[0])).toBe(4);
  });

  it('cannot come from a Redis list: BullMQ keeps the prioritized run jobs in a sorted set', async () => {
    const prefix = `infra-${randomUUID().slice(0, 8)}`;
    const queue = new RunQueue({ redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379', prefix });
    try {
      await queue.enqueue([{ runId: randomUUID(), attempt: 1 }]);
      // BullMQ's `wait` count is the length of the list `<prefix>:runs:wait`, all KEDA's Redis scaler can read;
      // `prioritized` is the sorted set `<prefix>:runs:prioritized`, which no KEDA Redis scaler counts.
      expect(await queue.queue.getJobCounts('wait', 'prioritized')).toEqual({ wait: 0, prioritized: 1 });
    } finally {
      await queue.queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
