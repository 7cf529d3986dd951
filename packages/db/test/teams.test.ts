import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  authenticateApiKey,
  createApiKey,
  createTeam,
  InvalidTeamNameError,
  LAST_USED_RESOLUTION_MS,
  revokeApiKey,
  TeamExistsError,
  TeamNotFoundError,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb?.drop());

describe('createTeam', () => {
  it('returns a key that authenticateApiKey resolves to the team', async () => {
    const { teamId, apiKey } = await createTeam(testDb.store, 'vision');
    expect(apiKey).toMatch(/^dst_[A-Za-z0-9_-]{43}$/);
    expect(await authenticateApiKey(testDb.store, apiKey)).toMatchObject({ teamId, teamName: 'vision' });
  });

  it('stores only the sha256 of the key and its 12-character prefix', async () => {
    const { teamId, apiKey } = await createTeam(testDb.store, 'speech');
    const rows = await testDb.db.apiKey.findMany({ where: { teamId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      hash: createHash('sha256').update(apiKey).digest('hex'),
      prefix: apiKey.slice(0, 12),
      revokedAt: null,
    });
    expect(rows[0]?.prefix.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(apiKey);
  });

  it('rejects a duplicate name with TeamExistsError', async () => {
    await createTeam(testDb.store, 'robotics');
    const error = await createTeam(testDb.store, 'robotics').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamExistsError);
    expect(error).toMatchObject({ code: 'TEAM_EXISTS', teamName: 'robotics' });
    expect(await testDb.db.team.count({ where: { name: 'robotics' } })).toBe(1);
  });

  it('rejects an empty name with InvalidTeamNameError', async () => {
    await expect(createTeam(testDb.store, '   ')).rejects.toBeInstanceOf(InvalidTeamNameError);
  });
});

describe('createApiKey', () => {
  it('adds a second working key to the team', async () => {
    const { teamId, apiKey: first } = await createTeam(testDb.store, 'nlp');
    const second = await createApiKey(testDb.store, teamId);
    expect(second.apiKey).not.toBe(first);
    expect(await authenticateApiKey(testDb.store, second.apiKey)).toMatchObject({ teamId, teamName: 'nlp' });
    expect(await authenticateApiKey(testDb.store, first)).toMatchObject({ teamId, teamName: 'nlp' });
  });

  it('rejects an unknown team with TeamNotFoundError', async () => {
    const error = await createApiKey(testDb.store, '00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamNotFoundError);
    expect(error).toMatchObject({ code: 'TEAM_NOT_FOUND' });
  });
});

describe('authenticateApiKey', () => {
  it('resolves a revoked key to null', async () => {
    const { teamId, apiKey } = await createTeam(testDb.store, 'audio');
    const key = await testDb.db.apiKey.findFirstOrThrow({ where: { teamId } });
    expect(await revokeApiKey(testDb.store, key.id)).toBe(true);
    expect(await authenticateApiKey(testDb.store, apiKey)).toBeNull();
    expect(await revokeApiKey(testDb.store, key.id)).toBe(false);
  });

  it('resolves unknown and malformed keys to null', async () => {
    expect(await authenticateApiKey(testDb.store, `dst_${'A'.repeat(43)}`)).toBeNull();
    expect(await authenticateApiKey(testDb.store, '')).toBeNull();
    expect(await authenticateApiKey(testDb.store, 'not a key')).toBeNull();
  });

  it('records last use at most once a minute', async () => {
    const { teamId, apiKey } = await createTeam(testDb.store, 'tabular');
    const lastUsed = async () => (await testDb.db.apiKey.findFirstOrThrow({ where: { teamId } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();

    await authenticateApiKey(testDb.store, apiKey);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);

    await authenticateApiKey(testDb.store, apiKey);
    expect(await lastUsed()).toEqual(first);

    // Pretend the last use was over a minute ago: the next lookup records a new one.
    const longAgo = new Date(Date.now() - LAST_USED_RESOLUTION_MS - 1000);
    await testDb.db.apiKey.updateMany({ where: { teamId }, data: { lastUsedAt: longAgo } });
    await authenticateApiKey(testDb.store, apiKey);
    expect((await lastUsed())?.getTime()).toBeGreaterThan(longAgo.getTime() + LAST_USED_RESOLUTION_MS);
  });
});
