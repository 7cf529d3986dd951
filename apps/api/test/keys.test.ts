import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, type TestApi, type TestTeam } from './helper.ts';

let api: TestApi;
let member: TestTeam & { id: string };
let viewer: TestTeam & { id: string };

async function createKey(body: object, as?: TestTeam) {
  return api.request({ method: 'POST', url: '/v1/keys', payload: body, ...(as && { as }) });
}

async function newKey(role: string, name = role): Promise<TestTeam & { id: string }> {
  const res = await createKey({ name, role });
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
  return { teamId: api.team.teamId, apiKey: res.json().apiKey, id: res.json().id };
}

beforeAll(async () => {
  api = await buildTestApi();
  member = await newKey('member', 'alice');
  viewer = await newKey('viewer', 'dashboard');
});
afterAll(async () => {
  await api?.close();
});

describe('POST /v1/keys', () => {
  it('creates a key with a role and returns its secret once', async () => {
    const res = await createKey({ name: 'ci', role: 'member', expiresInDays: 30 });
    expect(res.statusCode).toBe(201);
    const key = res.json();
    expect(key).toMatchObject({ name: 'ci', role: 'member', state: 'active', revokedAt: null, lastUsedAt: null });
    expect(key.apiKey).toMatch(/^dst_/);
    expect(key.prefix).toBe(key.apiKey.slice(0, 12));
    const days = (Date.parse(key.expiresAt) - Date.parse(key.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(30, 3);
    const me = await api.request({ method: 'GET', url: '/v1/me', as: { teamId: '', apiKey: key.apiKey } });
    expect(me.json()).toMatchObject({ teamId: api.team.teamId, key: { id: key.id, name: 'ci', role: 'member' } });
  });

  it('rejects an unknown role and a zero lifetime by field name', async () => {
    const res = await createKey({ name: 'x', role: 'owner', expiresInDays: 0 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['role', 'expiresInDays']);
  });

  it('is for admins only: a member gets 403 with the role it needs', async () => {
    const res = await createKey({ name: 'sneaky', role: 'admin' }, member);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "FORBIDDEN",
          "message": "an API key with role 'member' may not POST /v1/keys: it needs role 'admin' or higher",
        },
      }
    `);
  });
});

describe('GET /v1/keys', () => {
  it("lists the team's keys with their state and never their secrets", async () => {
    const res = await api.request({ method: 'GET', url: '/v1/keys' });
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['alice', 'dashboard', '']));
    expect(res.body).not.toContain(member.apiKey);
    expect(res.body).not.toContain(viewer.apiKey);
    expect(items.every((k: object) => !('apiKey' in k))).toBe(true);
  });

  it("does not list another team's keys", async () => {
    const res = await api.request({ method: 'GET', url: '/v1/keys', as: api.otherTeam });
    expect(res.json().items.map((k: { id: string }) => k.id)).not.toContain(member.id);
  });

  it('is forbidden to viewers', async () => {
    expect((await api.request({ method: 'GET', url: '/v1/keys', as: viewer })).statusCode).toBe(403);
  });
});

describe('DELETE /v1/keys/:id', () => {
  it('revokes a key: it gets 401 at once, and revoking again is harmless', async () => {
    const doomed = await newKey('member', 'leaver');
    expect((await api.request({ method: 'GET', url: '/v1/sweeps', as: doomed })).statusCode).toBe(200);
    expect((await api.request({ method: 'DELETE', url: `/v1/keys/${doomed.id}` })).statusCode).toBe(204);
    expect((await api.request({ method: 'GET', url: '/v1/sweeps', as: doomed })).statusCode).toBe(401);
    expect((await api.request({ method: 'DELETE', url: `/v1/keys/${doomed.id}` })).statusCode).toBe(204);
    const { items } = (await api.request({ method: 'GET', url: '/v1/keys' })).json();
    expect(items.find((k: { id: string }) => k.id === doomed.id)).toMatchObject({ state: 'revoked' });
  });

  it("answers 404 for another team's key and leaves it working", async () => {
    const res = await api.request({ method: 'DELETE', url: `/v1/keys/${member.id}`, as: api.otherTeam });
    expect(res.statusCode).toBe(404);
    expect((await api.request({ method: 'GET', url: '/v1/me', as: member })).statusCode).toBe(200);
  });
});

describe('when a key expires', () => {
  it('gets 401 from that instant and is listed as expired', async () => {
    const temp = await newKey('viewer', 'temp');
    expect((await api.request({ method: 'GET', url: '/v1/me', as: temp })).statusCode).toBe(200);
    await api.db.apiKey.update({ where: { id: temp.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await api.request({ method: 'GET', url: '/v1/me', as: temp });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
    const { items } = (await api.request({ method: 'GET', url: '/v1/keys' })).json();
    expect(items.find((k: { id: string }) => k.id === temp.id)).toMatchObject({ state: 'expired' });
  });
});

describe('roles', () => {
  it('let a viewer read sweeps and results but not submit', async () => {
    for (const url of ['/v1/sweeps', '/v1/results', '/v1/frontier', '/v1/me']) {
      expect((await api.request({ method: 'GET', url, as: viewer })).statusCode, url).toBe(200);
    }
    const res = await api.request({ method: 'POST', url: '/v1/sweeps', payload: quickstart(), as: viewer });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain("needs role 'member'");
  });

  it('check the role before the body: a viewer posting garbage gets 403, not 400', async () => {
    const res = await api.request({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
      as: viewer,
    });
    expect(res.statusCode).toBe(403);
  });

  it('let a member submit', async () => {
    const res = await api.request({ method: 'POST', url: '/v1/sweeps', payload: quickstart(), as: member });
    expect(res.statusCode).toBe(201);
  });
});
