import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

/**
 * Every endpoint in the OpenAPI document, asked by team B about team A's things: resources answer 404 (never
 * 403 or the thing), listings never show them. Driven by /docs/json, so an endpoint added later is checked too —
 * and one whose path parameter this test does not know fails it until it is taught.
 */
let api: TestApi;
let ids: { sweep: string; run: string; key: string };
let secrets: string[];

beforeAll(async () => {
  api = await buildTestApi();
  const sweep = await submitSweep(api, quickstart({ name: 'team-a-only', tags: ['team-a-tag'] }));
  await storeResults(api, sweep, syntheticAccuracy);
  await api.db.sweep.update({ where: { id: sweep }, data: { state: 'succeeded', finishedAt: new Date() } });
  const runs = await api.db.run.findMany({ where: { sweepId: sweep } });
  const key = await api.request({ method: 'POST', url: '/v1/keys', payload: { name: 'a-member', role: 'member' } });
  ids = { sweep, run: runs[0]?.id as string, key: key.json().id };
  secrets = [sweep, ...runs.map((r) => r.id), key.json().id, 'team-a-only', 'team-a-tag'];
});
afterAll(async () => {
  await api?.close();
});

/** Query strings that listings need to answer at all. */
/** The query a listing needs; the run lookup is asked for team A's run by its id's first characters. */
const requiredQuery = (path: string): string =>
  ({ '/v1/compare': '?a=relu&b=lma-8', '/v1/runs': `?idPrefix=${ids.run.slice(0, 8)}` })[path] ?? '';

/** The id of team A's resource that a path's `{id}` names. */
function idFor(path: string): string {
  if (path.startsWith('/v1/sweeps/{id}')) return ids.sweep;
  if (path.startsWith('/v1/runs/{id}')) return ids.run;
  if (path.startsWith('/v1/keys/{id}')) return ids.key;
  throw new Error(`team-isolation.test.ts does not know which resource ${path} names: teach idFor()`);
}

/** A name that team A's resource serves, for a path's `{name}`. */
function nameFor(path: string): string {
  if (path === '/v1/runs/{id}/artifacts/{name}') return 'model.json';
  if (path.includes('{name}')) throw new Error(`team-isolation.test.ts does not know what {name} is in ${path}`);
  return '';
}

describe('team isolation', () => {
  it('answers 404 to another team for every endpoint that names a resource, and lists none of it', async () => {
    const doc = (await api.request({ method: 'GET', url: '/docs/json', as: null })).json();
    const checked: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
        if (path.includes('{')) {
          const url = path.replace('{id}', idFor(path)).replace('{name}', nameFor(path));
          expect(url, `${path} has a path parameter other than {id}`).not.toContain('{');
          const res = await api.request({ method: method as 'GET', url, as: api.otherTeam });
          expect(res.statusCode, `${method} ${path} as another team: ${res.body}`).toBe(404);
          expect(res.json().error.code).toBe('NOT_FOUND');
          checked.push(`${method} ${path}`);
        } else if (method === 'GET') {
          const res = await api.request({ method, url: `${path}${requiredQuery(path)}`, as: api.otherTeam });
          expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(200);
          for (const secret of secrets) expect(res.body, `${method} ${path} leaks ${secret}`).not.toContain(secret);
          checked.push(`${method} ${path}`);
        }
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'GET /v1/sweeps/{id}',
        'GET /v1/sweeps/{id}/runs',
        'GET /v1/sweeps/{id}/results',
        'GET /v1/runs/{id}',
        'GET /v1/runs/{id}/artifacts/{name}',
        'GET /v1/runs/{id}/metrics',
        'GET /v1/sweeps/{id}/metrics',
        'DELETE /v1/keys/{id}',
        'GET /v1/results',
        'GET /v1/results/runs',
        'GET /v1/frontier',
        'GET /v1/sweeps',
        'GET /v1/keys',
        'GET /v1/compare',
        'GET /v1/runs',
      ]),
    );
    // Nothing of team A changed: its key still works, its sweep is intact.
    expect((await api.request({ method: 'GET', url: `/v1/sweeps/${ids.sweep}` })).json().state).toBe('succeeded');
  });

  it("refuses filters that name another team's sweep or teacher with 404", async () => {
    for (const url of [`/v1/results?sweep=${ids.sweep}`, `/v1/compare?a=relu&b=lma-8&teacher=${ids.run}`]) {
      expect((await api.request({ method: 'GET', url, as: api.otherTeam })).statusCode, url).toBe(404);
    }
  });
});
