import { randomInt, randomUUID } from 'node:crypto';
import { createApiKey } from '@distillery/db';
import { observeStatements } from '@distillery/db/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import type { RateLimitOptions } from '../src/plugins/rate-limit.ts';
import { REDIS_URL, useTestApi } from './helper.ts';

const api = useTestApi();

/** An address of its own per test, so counts per address start at zero. */
const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** The app on the suite's database, counting the API-key lookups it makes. */
async function appCountingLookups(rateLimit: RateLimitOptions): Promise<{ app: FastifyInstance; lookups(): number }> {
  let lookups = 0;
  const db = observeStatements(api.store, (statement) => {
    if (statement.via === 'sql' && /\bFROM api_keys\b/.test(statement.text)) lookups++;
  });
  const app = await buildApp({ db, queue: api.queue, redisProbe: api.redisProbe, rateLimit });
  return { app, lookups: () => lookups };
}

describe('the per-key rate limit', () => {
  it('counts one key as one bucket however the Authorization header spells it', async () => {
    const { app } = await appCountingLookups({ max: 4 });
    try {
      const key = api.team.apiKey;
      const spellings = [`Bearer ${key}`, `bearer ${key}`, `BEARER ${key}`, `Bearer  ${key}`, `Bearer\t${key}`];
      const codes = [];
      for (const authorization of spellings) {
        codes.push((await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } })).statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await app.close();
    }
  });
});

describe('the per-key rate limit counted in Redis', () => {
  it('holds one key to its limit across two API processes', async () => {
    const rateLimit = { max: 5, redisUrl: REDIS_URL };
    const apps = [
      await buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, rateLimit }),
      await buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, rateLimit }),
    ];
    try {
      // A key of its own, so that its count in Redis starts at zero.
      const { apiKey, apiKeyId } = await createApiKey(api.store, api.team.teamId, { name: `limit-${randomUUID()}` });
      const headers = { authorization: `Bearer ${apiKey}` };
      const codes = async (app: FastifyInstance, n: number) => {
        const out = [];
        for (let i = 0; i < n; i++) out.push((await app.inject({ method: 'GET', url: '/v1/me', headers })).statusCode);
        return out;
      };
      expect(await codes(apps[0] as FastifyInstance, 3)).toEqual([200, 200, 200]);
      // The first process sends its requests within its batching delay; the second counts on from them.
      const redis = new Redis(REDIS_URL);
      try {
        const deadline = Date.now() + 10_000;
        while ((await redis.get(`distillery-rate-limit:key:${apiKeyId}`)) !== '3' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        redis.disconnect();
      }
      const second = await codes(apps[1] as FastifyInstance, 3);
      expect(second).toEqual([200, 200, 429]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});

describe('failed authentications', () => {
  it('answer 429 with retry-after once an address has used its allowance, without looking keys up', async () => {
    const { app, lookups } = await appCountingLookups({ max: 1000, maxFailedAuth: 3 });
    try {
      const remoteAddress = address();
      const guess = () =>
        app.inject({
          method: 'GET',
          url: '/v1/sweeps',
          remoteAddress,
          headers: { authorization: `Bearer dst_${randomUUID()}` },
        });
      for (let i = 0; i < 3; i++) expect((await guess()).statusCode).toBe(401);
      const before = lookups();
      const limited = await guess();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json().error).toMatchObject({ code: 'RATE_LIMITED' });
      expect(limited.json().error.message).toMatch(
        /^limit of 3 failed authentications per 1 minute from this address reached; retry in \d+ s$/,
      );
      for (let i = 0; i < 20; i++) expect((await guess()).statusCode).toBe(429);
      expect(lookups()).toBe(before);
    } finally {
      await app.close();
    }
  });

  it('count a missing key too', async () => {
    const { app } = await appCountingLookups({ max: 1000, maxFailedAuth: 2 });
    try {
      const remoteAddress = address();
      const codes = [];
      for (let i = 0; i < 3; i++)
        codes.push((await app.inject({ method: 'GET', url: '/v1/me', remoteAddress })).statusCode);
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await app.close();
    }
  });

  it('leave other addresses, and keys that were valid a moment ago from the same address, alone', async () => {
    const { app } = await appCountingLookups({ max: 1000, maxFailedAuth: 2 });
    try {
      const shared = address();
      const as = (key: string, remoteAddress = shared) =>
        app.inject({ method: 'GET', url: '/v1/me', remoteAddress, headers: { authorization: `Bearer ${key}` } });
      expect((await as(api.team.apiKey)).statusCode).toBe(200);
      for (let i = 0; i < 2; i++) expect((await as(`dst_${randomUUID()}`)).statusCode).toBe(401);
      expect((await as(`dst_${randomUUID()}`)).statusCode).toBe(429);
      // Someone else behind the same address (a NAT) keeps working with the key it just used.
      expect((await as(api.team.apiKey)).statusCode).toBe(200);
      expect((await as(api.otherTeam.apiKey, address())).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
