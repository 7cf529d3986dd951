import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { claimRun, completeRun, recordBatchProgress, recordEpoch } from '@distillery/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard, SCREENSHOTS } from './chromium.ts';
import { buildTestApi, closeInOrder, quickstart, submitActivationGrid, submitSweep, type TestApi } from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

let api: TestApi;
let baseUrl: string;
let browser: Browser;
let page: Page;
let finished: string;
let running: string;
let teacherOfRunning: string;

beforeAll(async () => {
  api = await buildTestApi();
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  finished = await submitActivationGrid(api, 'finished-sweep', [[8], [16]], [1, 2]);
  // LMA's gain differs by seed (3 points at seed 1, 5 at seed 2), so the comparison has a spread to test.
  await storeResults(
    api,
    finished,
    (r) => syntheticAccuracy(r) + (JSON.stringify(r.config.model).includes('lma') ? r.config.seed * 0.02 - 0.01 : 0),
  );
  // Test predictions that differ between the two seeds on one of four examples: every configuration's two
  // replicates agree on 75% of them.
  for (const r of await api.db.run.findMany({ where: { sweepId: finished }, select: { id: true, config: true } })) {
    const seed = (r.config as { seed: number }).seed;
    await api.db.result.update({
      where: { runId: r.id },
      data: { testPredictions: Uint8Array.from(seed === 1 ? [0, 1, 2, 3] : [0, 1, 2, 0]) },
    });
  }
  await api.db.sweep.update({ where: { id: finished }, data: { state: 'succeeded', finishedAt: new Date() } });
  running = await submitSweep(api, quickstart({ name: 'running-sweep' }));
  const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: running, kind: 'teacher' } });
  teacherOfRunning = teacher.id;
  await api.db.run.update({ where: { id: teacher.id }, data: { state: 'queued' } });
  expect(await claimRun(api.store, teacher.id, teacher.attempt, 'dashboard-test-worker')).not.toBeNull();

  ({ browser, page } = await openDashboard(baseUrl));
}, 120_000);

afterAll(() => closeInOrder(browser, api));

describe('the dashboard', () => {
  it('asks for an API key, then lists the sweeps', async () => {
    await page.goto(baseUrl);
    await page.getByTestId('key-input').fill('dst_not-a-key');
    await page.getByTestId('key-save').click();
    await expect.poll(() => page.locator('#key-error').textContent()).toContain('unknown');
    await page.getByTestId('key-input').fill(api.team.apiKey);
    await page.getByTestId('key-save').click();
    await page.getByTestId('sweeps').waitFor();
    expect(await page.getByTestId('identity').textContent()).toContain('(admin)');
    const names = await page.locator('[data-testid=sweeps] tbody tr td:first-child').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['finished-sweep', 'running-sweep']));
  });

  it("shows a finished sweep's points and Pareto frontier", async () => {
    const frontier = (await api.request({ method: 'GET', url: `/v1/frontier?sweep=${finished}` })).json();
    const configurations = (await api.request({ method: 'GET', url: `/v1/results?sweep=${finished}` })).json();
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    const scatter = page.getByTestId('scatter');
    await expect.poll(() => scatter.getAttribute('data-points')).toBe(String(configurations.total));
    expect(await scatter.getAttribute('data-frontier')).toBe(String(frontier.datasets[0].points.length));
    expect(Number(await scatter.getAttribute('data-frontier'))).toBeGreaterThan(1);
    // Results stored without training leave no epochs: the curve's box says so instead of drawing empty axes.
    await expect.poll(() => page.getByTestId('curve-empty').textContent()).toBe('No epoch recorded.');
    expect(await page.locator('[data-testid=runs] tbody tr').count()).toBe(1 + 4 * 2 * 2);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-finished-sweep.png'), fullPage: true });
  });

  it("shows each run's share of values quantized and its size split into codes, headers and floats", async () => {
    const ptq = await api.db.run.findFirstOrThrow({ where: { sweepId: finished, key: 's0.seed1.q0' } });
    const detail = (await api.request({ method: 'GET', url: `/v1/runs/${ptq.id}` })).json();
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    const cells = page.locator(`[data-testid=runs] tr[data-run-id="${ptq.id}"] td`);
    await expect.poll(() => cells.count()).toBe(11);
    const expected = `${(detail.predicted.quantizedFraction * 100).toFixed(1)}%`;
    expect(await cells.nth(9).textContent()).toBe(expected);
    expect(await cells.nth(8).getAttribute('title')).toMatch(
      /^codes [\d.]+ (B|KB) \+ bucket headers [\d.]+ (B|KB) \+ float [\d.]+ (B|KB)$/,
    );
  });

  it('marks the runs a sweep reuses from an earlier one', async () => {
    const spec = quickstart({ name: 'reused-sweep' });
    const first = await submitSweep(api, spec);
    const second = await submitSweep(api, spec);
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: first, kind: 'teacher' } });
    await page.goto(`${baseUrl}/#/sweeps/${second}`);
    const row = page.locator(`[data-testid=runs] tr[data-run-id="${teacher.id}"]`);
    await expect.poll(() => row.textContent()).toContain(`reused from sweep ${first} (run ${teacher.id})`);
  });

  it("moves a running run's progress bar without a reload, by epochs and by batches within one", async () => {
    await page.goto(`${baseUrl}/#/sweeps/${running}`);
    const bar = page.getByTestId('progress-teacher');
    await expect.poll(() => bar.getAttribute('aria-valuenow')).toBe('0');
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const epoch = (n: number) => ({
      epoch: n,
      epochs: 4,
      trainLoss: 1 / n,
      trainAccuracy: 0.5 + n / 10,
      valLoss: null,
      valAccuracy: null,
      learningRate: 0.001,
      seconds: 1,
    });
    expect(await recordEpoch(api.store, teacherOfRunning, 1, epoch(1))).toBe(true);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('25');
    // Within the second epoch: batch 1 of 2 is 1.5 of 4 epochs.
    const within = { attempt: 1, epoch: 2, epochs: 4, batch: 1, batches: 2 };
    expect(await recordBatchProgress(api.store, teacherOfRunning, within)).toBe(true);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('38');
    // The bar may move on the page's poll first; the position comes with the stream's progress message.
    await expect
      .poll(() => page.getByTestId('where-teacher').textContent(), { timeout: 15_000 })
      .toBe('epoch 2/4, batch 1/2');
    expect(await recordEpoch(api.store, teacherOfRunning, 1, epoch(3))).toBe(true);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('75');
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-running-sweep.png'), fullPage: true });

    // The run's own page follows it too.
    await page.goto(`${baseUrl}/#/runs/${teacherOfRunning}`);
    const runBar = page.getByTestId('run-progress');
    await expect.poll(() => runBar.getAttribute('aria-valuenow')).toBe('75');
    expect(await recordBatchProgress(api.store, teacherOfRunning, { ...within, epoch: 4 })).toBe(true);
    await expect
      .poll(() => page.getByTestId('run-where').textContent(), { timeout: 15_000 })
      .toBe('epoch 4/4, batch 1/2');
    expect(await runBar.getAttribute('aria-valuenow')).toBe('88');
    // Progress is not history: the events list holds state changes and epochs only.
    const listed = await page
      .locator('[data-testid=run-events] li')
      .evaluateAll((li) => li.map((e) => e.getAttribute('data-event')));
    expect(listed).not.toContain('progress');
  });

  it("shows a run's page: timings, attempts, result, learning curve with validation loss, events, configuration and model files", async () => {
    const sweep = await submitSweep(api, quickstart({ name: 'run-page' }));
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: sweep, kind: 'teacher' } });
    expect(await claimRun(api.store, teacher.id, teacher.attempt, 'dashboard-test-worker')).not.toBeNull();
    for (const n of [1, 2]) {
      const m = { epoch: n, epochs: 2, trainLoss: 1 / n, trainAccuracy: 0.8, valLoss: 0.9 / n, valAccuracy: 0.85 };
      expect(await recordEpoch(api.store, teacher.id, teacher.attempt, { ...m, learningRate: 0.001, seconds: 1 })).toBe(
        true,
      );
    }
    const result = { accuracy: 0.97, loss: 0.1, parameters: 1, bytes: 4, bits: 32, backend: 'wasm', seconds: 2 };
    await completeRun(api.store, teacher.id, teacher.attempt, { ...result, splitDigest: 'a'.repeat(64) }, []);
    await page.goto(`${baseUrl}/#/sweeps/${sweep}`);
    await page.locator('[data-run-link=teacher]').click();
    const curve = page.getByTestId('run-curve');
    await expect
      .poll(() => curve.getAttribute('data-series'))
      .toBe('train accuracy,validation accuracy,train loss,validation loss');
    expect(await curve.getAttribute('data-epochs')).toBe('2');
    const timings = await page.locator('[data-testid=run-timings] tbody td').allTextContents();
    expect([timings[0], timings[1]]).toEqual(['teacher', '1']);
    expect(timings.at(-1)).toMatch(/^\d+\.\d s$/);
    expect(await page.getByTestId('run-result').textContent()).toContain('97.00%');
    expect(JSON.parse((await page.getByTestId('run-config').textContent()) as string)).toEqual(teacher.config);
    expect(
      await page.locator('[data-artifact]').evaluateAll((as) => as.map((a) => a.getAttribute('data-artifact'))),
    ).toEqual(['model.json', 'model.weights.bin', 'packed.json', 'packed.bin']);
    const events = page.locator('[data-testid=run-events] li');
    await expect
      .poll(() => events.evaluateAll((li) => li.map((e) => e.getAttribute('data-event'))))
      .toEqual(expect.arrayContaining(['state', 'epoch']));
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-run-page.png'), fullPage: true });

    const ptq = await api.db.run.findFirstOrThrow({ where: { sweepId: finished, key: 's0.seed1.q0' } });
    await page.goto(`${baseUrl}/#/runs/${ptq.id}`);
    await expect.poll(() => page.getByTestId('no-curve').textContent()).toContain('A PTQ run does not train');
  });

  it("draws the team's frontier and the LMA-against-ReLU comparison", async () => {
    await page.goto(`${baseUrl}/#/frontier?dataset=mnist`);
    await expect.poll(() => page.getByTestId('team-scatter').getAttribute('data-points')).not.toBeNull();
    expect(Number(await page.getByTestId('team-scatter').getAttribute('data-frontier'))).toBeGreaterThan(0);
    // Every student configuration of the finished sweep has two seeds, so each gets its ± std error bar.
    const mnist = (await api.request({ method: 'GET', url: '/v1/results?dataset=mnist&limit=1000' })).json();
    const withSpread = mnist.items.filter((c: { accuracy: { std: unknown } }) => c.accuracy.std !== null);
    expect(withSpread.length).toBeGreaterThan(0);
    expect(await page.getByTestId('team-scatter').getAttribute('data-error-bars')).toBe(String(withSpread.length));
    expect(await page.getByTestId('team-scatter').getAttribute('data-n-labels')).toBe(String(mnist.items.length));
    expect(await page.getByTestId('frontier-table').textContent()).toContain('95% CI');
    // Each point's compression method (float students have none) and its seeds' agreement, beside accuracy.
    const headers = await page.locator('[data-testid=frontier-table] thead th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['compression', 'agreement']));
    const compression = await page
      .locator('[data-testid=frontier-table] td[data-column=compression]')
      .allTextContents();
    expect(new Set(compression).size).toBeGreaterThan(0);
    for (const value of compression) expect(['ptq', '–']).toContain(value);
    const rows = page.locator('[data-testid=frontier-table] tbody tr');
    expect(await rows.count()).toBeGreaterThan(1);
    for (const row of await rows.all()) {
      const kind = await row.locator('td').nth(1).textContent();
      // A teacher is one run: no pair of seeds.
      expect(await row.locator('td[data-column=agreement]').textContent()).toBe(
        kind === 'teacher' ? '–' : '75.00% (1 pair)',
      );
    }
    await page.goto(`${baseUrl}/#/compare?dimension=activation&a=relu&b=lma-8`);
    await expect.poll(() => page.getByTestId('compare-chart').getAttribute('data-pairs')).toBe('4');
    // Per stratum, hidden 8 and 16 at seeds 1 and 2: differences 3, 5, 3, 5 points, t = 4√3 with 3 degrees of
    // freedom, whose closed form F(t) = ½ + (x/(1 + x²) + atan x)/π at x = t/√3 = 4 gives p = 0.0062.
    const verdicts = await page.getByTestId('compare-verdict').allTextContents();
    expect(verdicts).toHaveLength(2);
    expect(verdicts[0]).toMatch(/^ptq 4-bit: lma-8 better, p = 0\.0062, n = 4 — lma-8 − relu \+4\.00 pts, 95% CI /);
    expect(verdicts[1]).toMatch(/^float: lma-8 better, p = 0\.0062, n = 4 /);
    expect(await page.getByTestId('compare-pairing').textContent()).toContain('one pair per (configuration, seed)');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-compare.png'), fullPage: true });
  });
  it('signs in with a key handed in the URL fragment, then drops it from the address bar', async () => {
    // A browser that has never seen the dashboard: nothing in its local storage.
    const fresh = await browser.newContext();
    try {
      const tab = await fresh.newPage();
      await tab.goto(`${baseUrl}/#key=${encodeURIComponent(api.team.apiKey)}`);
      await tab.getByTestId('sweeps').waitFor();
      expect(await tab.getByTestId('identity').textContent()).toContain('(admin)');
      expect(await tab.locator('#key-dialog').isVisible()).toBe(false);
      expect(new URL(tab.url()).hash).toBe('#/');
      await tab.reload();
      await tab.getByTestId('sweeps').waitFor();
      expect(await tab.getByTestId('identity').textContent()).toContain('(admin)');
    } finally {
      await fresh.close();
    }
  });
});
