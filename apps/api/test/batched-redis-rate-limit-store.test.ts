import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchedRedisRateLimitStore } from '../src/lib/batched-redis-rate-limit-store.ts';
import { REDIS_URL } from './helper.ts';

const connections: Redis[] = [];
/** A connection of its own, as each API process has. */
function connect(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  return redis;
}
afterAll(() => {
  for (const redis of connections) redis.disconnect();
});

const WINDOW_MS = 60_000;
type Count = { current: number; ttl: number };

/** One request of `key`: its count, and whether the store answered before `incr` returned (no Redis round trip). */
function request(store: BatchedRedisRateLimitStore, key: string, max: number) {
  let answeredAtOnce = false;
  let returned = false;
  const count = new Promise<Count>((resolve, reject) => {
    store.incr(
      key,
      (error, count) => {
        answeredAtOnce = !returned;
        if (error !== null || count === undefined) reject(error ?? new Error('no count'));
        else resolve(count);
      },
      WINDOW_MS,
      max,
    );
    returned = true;
  });
  return { count, atOnce: () => answeredAtOnce };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the batched Redis rate-limit store', () => {
  it('answers requests well under the limit without a round trip, and has sent every one to Redis within flushMs', async () => {
    const redis = connect();
    const prefix = `rl-test-${randomUUID()}:`;
    const store = new BatchedRedisRateLimitStore({ redis, prefix, flushMs: 50 });
    const first = request(store, 'k', 1000);
    expect((await first.count).current).toBe(1);
    expect(first.atOnce()).toBe(false);
    const next = Array.from({ length: 99 }, () => request(store, 'k', 1000));
    expect(next.every((r) => r.atOnce())).toBe(true);
    expect((await Promise.all(next.map((r) => r.count))).map((c) => c.current)).toEqual(
      Array.from({ length: 99 }, (_, i) => i + 2),
    );
    // Sent together: Redis lags until the batch goes, then holds all 100 in the window it started.
    expect(Number(await redis.get(`${prefix}k`))).toBeLessThan(100);
    await sleep(150);
    expect(Number(await redis.get(`${prefix}k`))).toBe(100);
    const ttl = await redis.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(WINDOW_MS - 5_000);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    await store.close();
  });

  it('lets exactly max requests through in one process, however many arrive at once', async () => {
    const store = new BatchedRedisRateLimitStore({ redis: connect(), prefix: `rl-test-${randomUUID()}:` });
    const counts = await Promise.all(Array.from({ length: 40 }, () => request(store, 'k', 20).count));
    expect(counts.filter((c) => c.current <= 20)).toHaveLength(20);
    // And past it, every request is counted in Redis before its answer.
    const over = request(store, 'k', 20);
    expect((await over.count).current).toBe(41);
    expect(over.atOnce()).toBe(false);
    await store.close();
  });

  it('shares one count between processes: the second sees the first one’s sent requests and stops at the limit', async () => {
    const prefix = `rl-test-${randomUUID()}:`;
    const a = new BatchedRedisRateLimitStore({ redis: connect(), prefix, flushMs: 20 });
    const b = new BatchedRedisRateLimitStore({ redis: connect(), prefix, flushMs: 20 });
    for (let i = 0; i < 50; i++) await request(a, 'k', 100).count;
    // The first process closing sends what it still holds, as it does within flushMs while it runs.
    await a.close();
    const fromB = [];
    for (let i = 0; i < 60; i++) fromB.push((await request(b, 'k', 100).count).current);
    expect(fromB[0]).toBe(51);
    expect(fromB.filter((current) => current <= 100)).toHaveLength(50);
    await b.close();
  });

  it('starts a new window once the last one ended, without carrying its count over', async () => {
    const redis = connect();
    const prefix = `rl-test-${randomUUID()}:`;
    const store = new BatchedRedisRateLimitStore({ redis, prefix, flushMs: 10 });
    const incr = (windowMs: number) =>
      new Promise<Count>((resolve, reject) =>
        store.incr('k', (e, c) => (e || !c ? reject(e) : resolve(c)), windowMs, 100),
      );
    for (let i = 0; i < 5; i++) await incr(200);
    await sleep(300);
    expect(await redis.get(`${prefix}k`)).toBeNull();
    expect((await incr(200)).current).toBe(1);
    await store.close();
  });

  it('fails a request it must count in Redis while Redis does not answer (the plugin then lets it pass)', async () => {
    const redis = new Redis('redis://127.0.0.1:9', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => {});
    const store = new BatchedRedisRateLimitStore({ redis, prefix: 'rl-test-down:' });
    await expect(request(store, 'k', 100).count).rejects.toThrow();
    await store.close();
    redis.disconnect();
  });
});
