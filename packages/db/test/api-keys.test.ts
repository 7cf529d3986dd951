import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey, createApiKey, createTeam, listApiKeys, revokeApiKey, roleAllows } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb?.drop());

describe('roles', () => {
  it('orders admin above member above viewer', () => {
    expect(roleAllows('admin', 'member')).toBe(true);
    expect(roleAllows('member', 'member')).toBe(true);
    expect(roleAllows('member', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'member')).toBe(false);
  });
});

describe('authenticateApiKey', () => {
  it("makes the team's first key an admin", async () => {
    const { teamId, apiKey } = await createTeam(testDb.store, 'first-key');
    expect(await authenticateApiKey(testDb.store, apiKey)).toMatchObject({ teamId, role: 'admin', keyName: '' });
  });

  it('returns the role and name a key was created with', async () => {
    const { teamId } = await createTeam(testDb.store, 'roles');
    const key = await createApiKey(testDb.store, teamId, { role: 'viewer', name: ' dashboard ' });
    expect(await authenticateApiKey(testDb.store, key.apiKey)).toEqual({
      teamId,
      teamName: 'roles',
      apiKeyId: key.apiKeyId,
      keyName: 'dashboard',
      role: 'viewer',
    });
  });

  it('refuses a key from the instant it expires', async () => {
    const { teamId } = await createTeam(testDb.store, 'expiry');
    const expiresAt = new Date(Date.now() + 60_000);
    const key = await createApiKey(testDb.store, teamId, { role: 'member', expiresAt });
    expect(await authenticateApiKey(testDb.store, key.apiKey, new Date(expiresAt.getTime() - 1))).not.toBeNull();
    expect(await authenticateApiKey(testDb.store, key.apiKey, expiresAt)).toBeNull();
    await testDb.db.apiKey.update({ where: { id: key.apiKeyId }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await authenticateApiKey(testDb.store, key.apiKey)).toBeNull();
  });

  it('grants nothing to a role this version does not know', async () => {
    const { teamId } = await createTeam(testDb.store, 'future-role');
    const key = await createApiKey(testDb.store, teamId);
    await testDb.db.apiKey.update({ where: { id: key.apiKeyId }, data: { role: 'owner' } });
    expect(await authenticateApiKey(testDb.store, key.apiKey)).toBeNull();
  });
});

describe('listApiKeys', () => {
  it("lists a team's keys newest first, without secrets, revoked ones included", async () => {
    const { teamId } = await createTeam(testDb.store, 'listing');
    const other = await createTeam(testDb.store, 'listing-other');
    const ci = await createApiKey(testDb.store, teamId, { role: 'member', name: 'ci' });
    await revokeApiKey(testDb.store, ci.apiKeyId);
    const keys = await listApiKeys(testDb.store, teamId);
    expect(keys.map((k) => [k.name, k.role, k.revokedAt === null])).toEqual([
      ['ci', 'member', false],
      ['', 'admin', true],
    ]);
    expect(JSON.stringify(keys)).not.toContain(ci.apiKey);
    expect((await listApiKeys(testDb.store, other.teamId)).map((k) => k.id)).not.toContain(ci.apiKeyId);
  });
});

describe('revokeApiKey', () => {
  it("does not revoke another team's key when given a team", async () => {
    const a = await createTeam(testDb.store, 'revoke-a');
    const b = await createTeam(testDb.store, 'revoke-b');
    const key = await createApiKey(testDb.store, b.teamId);
    expect(await revokeApiKey(testDb.store, key.apiKeyId, a.teamId)).toBe(false);
    expect(await authenticateApiKey(testDb.store, key.apiKey)).not.toBeNull();
    expect(await revokeApiKey(testDb.store, key.apiKeyId, b.teamId)).toBe(true);
    expect(await authenticateApiKey(testDb.store, key.apiKey)).toBeNull();
  });
});
