import type { RunConfig } from '@distillery/spec';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard } from './chromium.ts';
import { buildTestApi, closeInOrder, quickstart, submitSweep, type TestApi } from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

let api: TestApi;
let baseUrl: string;
let browser: Browser;
let page: Page;
let sweep: string;

/** Students on BNS inputs lose 3 points at seed 1 and 5 at seed 2 against the same students on the training split. */
const onSynthetic = (config: RunConfig) => ('data' in config && config.data ? 0.01 + config.seed * 0.02 : 0);

beforeAll(async () => {
  api = await buildTestApi();
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const base = quickstart();
  const teacher = base.teacher as { model: object };
  sweep = await submitSweep(
    api,
    quickstart({
      name: 'data-free-sweep',
      teacher: { ...teacher, model: { ...teacher.model, batchNorm: true } },
      students: {
        ...(base.students as object),
        data: { method: 'bns', samples: 2000 },
        grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }], 'data.source': ['real', 'synthetic'] },
      },
      quantize: [{ method: 'ptq', bits: 8 }],
      seeds: [1, 2],
    }),
  );
  await storeResults(api, sweep, (r) => (r.kind === 'synthesize' ? 1 : syntheticAccuracy(r) - onSynthetic(r.config)));
  await api.db.sweep.update({ where: { id: sweep }, data: { state: 'succeeded', finishedAt: new Date() } });
  ({ browser, page } = await openDashboard(baseUrl, { apiKey: api.team.apiKey }));
}, 120_000);

afterAll(() => closeInOrder(browser, api));

describe('the dashboard with a data-free sweep', () => {
  it("shows a synthesize run's data set files instead of model files", async () => {
    const d0 = await api.db.run.findFirstOrThrow({ where: { sweepId: sweep, key: 'd0' } });
    await page.goto(`${baseUrl}/#/runs/${d0.id}`);
    const files = page.locator('[data-artifact]');
    await expect
      .poll(() => files.evaluateAll((as) => as.map((a) => a.getAttribute('data-artifact'))))
      .toEqual(['dataset.json', 'inputs.bin', 'labels.bin']);
    expect(await page.locator('h2', { hasText: 'Data set files' }).count()).toBe(1);
  });

  it('narrows the frontier to students trained on synthetic data', async () => {
    const synthetic = (
      await api.request({ method: 'GET', url: '/v1/results?dataset=mnist&dataSource=synthetic&limit=1000' })
    ).json();
    // Two activations, float and 8-bit PTQ.
    expect(synthetic.total).toBe(4);
    await page.goto(`${baseUrl}/#/frontier?dataset=mnist&data=synthetic`);
    const scatter = page.getByTestId('team-scatter');
    await expect.poll(() => scatter.getAttribute('data-points')).toBe('4');
    expect(await page.getByTestId('data-source').inputValue()).toBe('synthetic');
  });

  it('compares synthetic with real data along data.source, per quantization', async () => {
    await page.goto(`${baseUrl}/#/compare?dimension=data.source&a=real&b=synthetic`);
    await expect.poll(() => page.getByTestId('compare-chart').getAttribute('data-pairs')).toBe('4');
    const verdicts = await page.getByTestId('compare-verdict').allTextContents();
    expect(verdicts).toHaveLength(2);
    // Differences −3, −5, −3, −5 points: t = −4√3 with 3 degrees of freedom, p = 0.0062 (as for LMA against ReLU).
    expect(verdicts[0]).toMatch(/^ptq 8-bit: real better, p = 0\.0062, n = 4 — synthetic − real -4\.00 pts, /);
    expect(verdicts[1]).toMatch(/^float: real better, p = 0\.0062, n = 4 — synthetic − real -4\.00 pts, /);
  });
});
