import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, type TestApi, useTestApi } from './helper.ts';

// Real folders: a shared root, the team folders' base, and a folder outside both.
const base = realpathSync(mkdtempSync(join(tmpdir(), 'distillery-api-data-')));
const shared = join(base, 'shared');
const teams = join(base, 'teams');
const outside = join(base, 'elsewhere');
for (const folder of [shared, teams, outside]) mkdirSync(folder);

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi({ dataRoots: { shared: [shared], teamBase: teams } });
});
afterAll(async () => {
  await api?.close();
  rmSync(base, { recursive: true, force: true });
});

const submit = (path: string, options: { dryRun?: boolean; as?: TestApi['team'] } = {}) =>
  api.request({
    method: 'POST',
    url: options.dryRun ? '/v1/sweeps?dryRun=true' : '/v1/sweeps',
    payload: quickstart({ dataset: { name: 'idx', path, shape: [28, 28, 1] } }),
    ...(options.as ? { as: options.as } : {}),
  });

const refusal = (path: string) => ({
  error: {
    code: 'VALIDATION_FAILED',
    message: 'the sweep cannot read that data set',
    issues: [
      {
        path: 'dataset.path',
        message: `${JSON.stringify(path)} is outside the data roots: a data path must resolve, symlinks included, inside a configured data root; allowed: inside ${JSON.stringify(shared)} or ${JSON.stringify(join(teams, api.team.teamId))}`,
      },
    ],
  },
});

describe('POST /v1/sweeps with a data path', () => {
  it('accepts a folder inside a shared root or the team folder, before the files exist', async () => {
    expect((await submit(join(shared, 'fashion-official'), { dryRun: true })).statusCode).toBe(200);
    expect((await submit(join(teams, api.team.teamId, 'mine'))).statusCode).toBe(201);
  });

  it('answers 400 naming dataset.path, the value and the rule for a folder outside the roots', async () => {
    const res = await submit(outside);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(refusal(outside));
    expect((await submit('/etc', { dryRun: true })).json()).toEqual(refusal('/etc'));
  });

  it('says the same whether the outside folder exists or not', async () => {
    const missing = join(outside, 'no-such-folder');
    expect((await submit(missing)).json()).toEqual(refusal(missing));
  });

  it('refuses a path that climbs out with ..', async () => {
    const climbing = `${shared}/../elsewhere`;
    expect((await submit(climbing)).json()).toEqual(refusal(climbing));
  });

  it('refuses a symlink inside a root that points outside', async () => {
    const link = join(shared, 'looks-inside');
    symlinkSync(outside, link);
    const res = await submit(link);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(refusal(link));
    expect((await submit(join(link, 'deeper'))).statusCode).toBe(400);
  });

  it("refuses another team's folder", async () => {
    const theirs = join(teams, api.otherTeam.teamId, 'data');
    expect((await submit(theirs)).json()).toEqual(refusal(theirs));
    expect((await submit(theirs, { as: api.otherTeam })).statusCode).toBe(201);
  });

  it('escapes control characters of the value in the message', async () => {
    const forged = `${outside}\n[api] 201 Created\u001b[2K`;
    const res = await submit(forged);
    expect(res.statusCode).toBe(400);
    const { message } = res.json().error.issues[0];
    expect(message.startsWith(`${JSON.stringify(forged)} is outside the data roots`)).toBe(true);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('\u001b');
  });
});

describe('POST /v1/sweeps without data roots (the default)', () => {
  const bare = useTestApi();

  it('refuses every data path and says that no data folders are configured', async () => {
    const res = await bare.request({
      method: 'POST',
      url: '/v1/sweeps',
      payload: quickstart({ dataset: { name: 'cifar10-bin', path: shared } }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'dataset.path',
        message: `${JSON.stringify(shared)} is outside the data roots: a data path must resolve, symlinks included, inside a configured data root; this deployment allows no data folders (DISTILLERY_DATA_ROOTS is empty and there is no team data folder)`,
      },
    ]);
  });
});
