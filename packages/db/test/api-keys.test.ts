import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateApiKey,
  createApiKey,
  createTeam,
  findTeamByApiKey,
  listApiKeys,
  revokeApiKey,
  roleAllows,
} from '../src/index.ts';
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
    const { teamId, apiKey } = await createTeam(testDb.db, 'first-key');
    expect(await authenticateApiKey(testDb.db, apiKey)).toMatchObject({ teamId, role: 'admin', keyName: '' });
  });

  it('returns the role and name a key was created with', async () => {
    const { teamId } = await createTeam(testDb.db, 'roles');
    const key = await createApiKey(testDb.db, teamId, { role: 'viewer', name: ' dashboard ' });
    expect(await authenticateApiKey(testDb.db, key.apiKey)).toEqual({
      teamId,
      teamName: 'roles',
      apiKeyId: key.apiKeyId,
      keyName: 'dashboard',
      role: 'viewer',
    });
  });

  it('refuses a key from the instant it expires', async () => {
    const { teamId } = await createTeam(testDb.db, 'expiry');
    const expiresAt = new Date(Date.now() + 60_000);
    const key = await createApiKey(testDb.db, teamId, { role: 'member', expiresAt });
    expect(await authenticateApiKey(testDb.db, key.apiKey, new Date(expiresAt.getTime() - 1))).not.toBeNull();
    expect(await authenticateApiKey(testDb.db, key.apiKey, expiresAt)).toBeNull();
    await testDb.db.apiKey.update({ where: { id: key.apiKeyId }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await findTeamByApiKey(testDb.db, key.apiKey)).toBeNull();
  });

  it('grants nothing to a role this version does not know', async () => {
    const { teamId } = await createTeam(testDb.db, 'future-role');
    const key = await createApiKey(testDb.db, teamId);
    await testDb.db.apiKey.update({ where: { id: key.apiKeyId }, data: { role: 'owner' } });
    expect(await authenticateApiKey(testDb.db, key.apiKey)).toBeNull();
  });
});

describe('listApiKeys', () => {
  it("lists a team's keys newest first, without secrets, revoked ones included", async () => {
    const { teamId } = await createTeam(testDb.db, 'listing');
    const other = await createTeam(testDb.db, 'listing-other');
    const ci = await createApiKey(testDb.db, teamId, { role: 'member', name: 'ci' });
    await revokeApiKey(testDb.db, ci.apiKeyId);
    const keys = await listApiKeys(testDb.db, teamId);
    expect(keys.map((k) => [k.name, k.role, k.revokedAt === null])).toEqual([
      ['ci', 'member', false],
      ['', 'admin', true],
    ]);
    expect(JSON.stringify(keys)).not.toContain(ci.apiKey);
    expect((await listApiKeys(testDb.db, other.teamId)).map((k) => k.id)).not.toContain(ci.apiKeyId);
  });
});

describe('revokeApiKey', () => {
  it("does not revoke another team's key when given a team", async () => {
    const a = await createTeam(testDb.db, 'revoke-a');
    const b = await createTeam(testDb.db, 'revoke-b');
    const key = await createApiKey(testDb.db, b.teamId);
    expect(await revokeApiKey(testDb.db, key.apiKeyId, a.teamId)).toBe(false);
    expect(await findTeamByApiKey(testDb.db, key.apiKey)).not.toBeNull();
    expect(await revokeApiKey(testDb.db, key.apiKeyId, b.teamId)).toBe(true);
    expect(await findTeamByApiKey(testDb.db, key.apiKey)).toBeNull();
  });
});
