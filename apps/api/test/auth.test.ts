import { describe, expect, it } from 'vitest';
import { useTestApi } from './helper.ts';

const api = useTestApi();

describe('authentication on /v1', () => {
  it('rejects a request without an API key with 401 and WWW-Authenticate', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/sweeps', as: null });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="distillery"');
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "UNAUTHORIZED",
          "message": "an API key is required: send Authorization: Bearer <key>",
        },
      }
    `);
  });

  it('rejects an unknown API key with 401 and WWW-Authenticate', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/sweeps', as: { teamId: '', apiKey: 'dk_nope' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "UNAUTHORIZED",
          "message": "the API key is unknown, revoked or expired",
        },
      }
    `);
  });

  it('rejects another scheme than Bearer', async () => {
    const res = await api.request({
      method: 'GET',
      url: '/v1/sweeps',
      as: null,
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('checks the key before the body: an anonymous submission gets 401, not 400', async () => {
    const res = await api.request({
      method: 'POST',
      url: '/v1/sweeps',
      as: null,
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(401);
  });

  it('accepts a valid key', async () => {
    expect((await api.request({ method: 'GET', url: '/v1/sweeps' })).statusCode).toBe(200);
  });

  it('leaves /healthz open', async () => {
    expect((await api.request({ method: 'GET', url: '/healthz', as: null })).statusCode).toBe(200);
  });
});
