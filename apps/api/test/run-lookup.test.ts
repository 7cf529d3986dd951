import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;
let ids: string[];
beforeAll(async () => {
  api = await buildTestApi();
  // 1 teacher and 16 students: 17 ids over 16 leading hex digits, so at least two share their first digit.
  const sweepId = await submitSweep(api, quickstart({ seeds: Array.from({ length: 8 }, (_, i) => i + 1) }));
  ids = (await api.db.run.findMany({ where: { sweepId, kind: { not: 'quantize-ptq' } }, select: { id: true } })).map(
    (r) => r.id,
  );
  expect(ids).toHaveLength(17);
});
afterAll(async () => {
  await api?.close();
});

const find = (query: string, as = api.team) => api.request({ method: 'GET', url: `/v1/runs?${query}`, as });

describe('GET /v1/runs?idPrefix=', () => {
  it('finds the one run an id prefix names, in any case and with its dashes', async () => {
    const id = ids[0] as string;
    for (const prefix of [id.slice(0, 8), id.slice(0, 11).toUpperCase(), id]) {
      const res = await find(`idPrefix=${prefix}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ total: 1, items: [{ id }] });
    }
    const run = await api.db.run.findUniqueOrThrow({ where: { id } });
    expect(Object.keys((await find(`idPrefix=${id}`)).json().items[0]).sort()).toEqual(
      ['createdAt', 'id', 'key', 'kind', 'label', 'state', 'sweepId'].sort(),
    );
    expect((await find(`idPrefix=${id}`)).json().items[0]).toMatchObject({
      sweepId: run.sweepId,
      key: run.key,
      kind: run.kind,
      state: run.state,
    });
  });

  it('lists every run a short prefix names, newest first, up to the limit, with the total', async () => {
    const all = await api.db.run.findMany({ where: { teamId: api.team.teamId }, select: { id: true } });
    const byDigit = new Map<string, number>();
    for (const { id } of all) byDigit.set(id[0] as string, (byDigit.get(id[0] as string) ?? 0) + 1);
    const [digit, count] = [...byDigit].sort((a, b) => b[1] - a[1])[0] as [string, number];
    expect(count).toBeGreaterThan(1);
    const res = (await find(`idPrefix=${digit}&limit=1`)).json();
    expect(res.total).toBe(count);
    expect(res.items).toHaveLength(1);
    expect(res.items[0].id.startsWith(digit)).toBe(true);
    const every = (await find(`idPrefix=${digit}&limit=100`)).json();
    expect(every.items.map((r: { id: string }) => r.id).sort()).toEqual(
      all
        .filter((r) => r.id.startsWith(digit))
        .map((r) => r.id)
        .sort(),
    );
  });

  it("never shows another team's runs", async () => {
    const id = ids[0] as string;
    const res = await find(`idPrefix=${id}`, api.otherTeam);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ total: 0, items: [] });
  });

  it('answers 400 naming idPrefix for something that cannot start an id', async () => {
    for (const bad of ['xyz', '', `${ids[0]}0`]) {
      const res = await find(`idPrefix=${encodeURIComponent(bad)}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.issues[0].path).toBe('idPrefix');
    }
    expect((await find('limit=5')).statusCode).toBe(400);
  });
});
