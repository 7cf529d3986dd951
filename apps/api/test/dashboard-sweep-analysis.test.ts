import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTeam } from '@distillery/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard, SCREENSHOTS } from './chromium.ts';
import { buildTestApi, closeInOrder, quickstart, submitActivationGrid, submitSweep, type TestApi } from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

interface Stats {
  mean: number;
  std: number | null;
}
interface Configuration {
  kind: string;
  n: number;
  bytes: number;
  accuracy: Stats;
  dimensions: Record<string, unknown>;
}

let api: TestApi;
let baseUrl: string;
let browser: Browser;
let page: Page;
let finished: string;
let configurations: Configuration[];

/** What Chart.js drew on one canvas of the page: the x axis's tick labels and each dataset's label, point shape and y values. */
interface DrawnChart {
  xTicks: string[];
  datasets: { label: string; shape: string | null; ys: number[] }[];
}

interface ChartJs {
  scales: { x: { ticks: { label: string }[] } };
  data: { datasets: { label: string; pointStyle?: { dataset?: { shape?: string } }; data: { y: number }[] }[] };
}

function drawn(testId: string): Promise<DrawnChart> {
  return page.evaluate((id) => {
    const g = globalThis as unknown as {
      document: { querySelector(selector: string): unknown };
      Chart: { getChart(canvas: unknown): ChartJs };
    };
    const chart = g.Chart.getChart(g.document.querySelector(`[data-testid="${id}"]`));
    return {
      xTicks: chart.scales.x.ticks.map((t) => t.label),
      datasets: chart.data.datasets.map((d) => ({
        label: d.label,
        shape: d.pointStyle?.dataset?.shape ?? null,
        ys: d.data.map((p) => Number(p.y.toFixed(4))),
      })),
    };
  }, testId);
}

/** The dashboard's text for mean ± std, as format.js writes it. */
function meanStd(s: Stats): string {
  const mean = `${(s.mean * 100).toFixed(2)}%`;
  return s.std === null ? mean : `${mean} ± ${(s.std * 100).toFixed(2)}`;
}

beforeAll(async () => {
  api = await buildTestApi();
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  finished = await submitActivationGrid(api, 'analysis-sweep', [[8], [64]], [1, 2, 3]);
  await storeResults(api, finished, syntheticAccuracy);
  await api.db.sweep.update({ where: { id: finished }, data: { state: 'succeeded', finishedAt: new Date() } });
  // Two students' learning curves (three epochs each), as a worker records them.
  const students = await api.db.run.findMany({
    where: { sweepId: finished, kind: 'student', key: { in: ['s0.seed1', 's1.seed1'] } },
    orderBy: { key: 'asc' },
  });
  await api.db.metric.createMany({
    data: students.flatMap((run, r) =>
      [1, 2, 3].map((epoch) => ({
        runId: run.id,
        epoch,
        trainLoss: 1 / epoch + r,
        trainAccuracy: 0.5 + epoch / 10,
        valLoss: 1.1 / epoch + r,
        valAccuracy: 0.45 + epoch / 10 + r / 100,
        learningRate: 0.001,
        seconds: 1,
      })),
    ),
  });
  configurations = (await api.request({ method: 'GET', url: `/v1/results?sweep=${finished}&limit=1000` })).json().items;

  ({ browser, page } = await openDashboard(baseUrl, { apiKey: api.team.apiKey, acceptDownloads: true }));
}, 120_000);

afterAll(() => closeInOrder(browser, api));

describe("the dashboard's sweep page", () => {
  it('labels the size axis in B, KB and MB, and draws ± std bars, n and the teacher as a teacher', async () => {
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    const scatter = page.getByTestId('scatter');
    await expect.poll(() => scatter.getAttribute('data-points')).toBe(String(configurations.length));
    const scatterChart = await drawn('scatter');
    const ticks = scatterChart.xTicks;
    expect(ticks.length).toBeGreaterThan(1);
    for (const tick of ticks) expect(tick).toMatch(/^\d+(\.\d+)? (B|KB|MB)$/);
    expect(ticks.some((t) => t.endsWith(' KB'))).toBe(true);
    // Students have three seeds each (a bar); the teacher one (none).
    const spread = configurations.filter((c) => c.accuracy.std !== null);
    expect(spread.length).toBe(configurations.length - 1);
    expect(await scatter.getAttribute('data-error-bars')).toBe(String(spread.length));
    expect(await scatter.getAttribute('data-n-labels')).toBe(String(configurations.length));
    expect(await scatter.getAttribute('data-teachers')).toBe('1');
    expect(await scatter.getAttribute('data-teacher-lines')).toBe('1');
    expect(scatterChart.datasets.find((d) => d.label === 'teacher')?.shape).toBe('teacher-star');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-sweep-analysis.png'), fullPage: true });
  });

  it('downloads the results and per-epoch metrics CSV with the key', async () => {
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    for (const [kind, header] of [
      ['results', /^runId,key,kind,label,seed,bits,accuracy,loss,parameters,bytes,backend,group,splitDigest,/],
      ['metrics', /^runId,key,kind,label,group,epoch,trainLoss,/],
    ] as const) {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(`[data-download=${kind}]`).click(),
      ]);
      expect(file.suggestedFilename()).toBe(`analysis-sweep-${kind}.csv`);
      const text = readFileSync((await file.path()) as string, 'utf8');
      expect(text).toMatch(header);
      expect(text.trimEnd().split('\r\n').length).toBeGreaterThan(2);
    }
  });

  it('overlays the learning curves of the runs ticked in the table', async () => {
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    await expect.poll(() => page.getByTestId('overlay-empty').textContent()).toContain('Tick runs');
    await page.locator('[data-overlay="s0.seed1"]').check();
    await page.locator('[data-overlay="s1.seed1"]').check();
    const overlay = page.getByTestId('overlay-curves');
    await expect.poll(() => overlay.getAttribute('data-curves')).toBe('2');
    expect(await overlay.getAttribute('data-metric')).toBe('valAccuracy');
    const series = (await drawn('overlay-curves')).datasets.map((d) => d.ys);
    expect(series).toEqual([
      [0.55, 0.65, 0.75],
      [0.56, 0.66, 0.76],
    ]);
    await page.getByTestId('overlay-metric').selectOption('trainLoss');
    await expect.poll(() => overlay.getAttribute('data-metric')).toBe('trainLoss');
    // Ticking a box does not select its row (a click on the row does).
    expect(await page.getByTestId('run-select').inputValue()).not.toBe(
      await page.locator('tr:has([data-overlay="s1.seed1"])').getAttribute('data-run-id'),
    );
    // A PTQ run has no curve of its own to overlay.
    expect(await page.locator('[data-overlay="s0.seed1.q0"]').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-overlaid-curves.png'), fullPage: true });
    await page.getByTestId('overlay-clear').click();
    await expect.poll(() => page.getByTestId('overlay-empty').isVisible()).toBe(true);
  });

  it("groups the students' configurations by one dimension, then by two as a pivot", async () => {
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    const options = () =>
      page
        .getByTestId('group-by')
        .locator('option')
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    // Float students and their PTQ variants differ in every quantize.* dimension (null against a value).
    await expect
      .poll(options)
      .toEqual([
        'model.hidden',
        'model.activation',
        'quantize.method',
        'quantize.bits',
        'quantize.bucketSize',
        'quantize.keepFloat',
      ]);
    await page.getByTestId('group-by').selectOption('model.activation');
    const students = configurations.filter((c) => c.kind !== 'teacher');
    const best = (items: Configuration[]) => items.reduce((a, b) => (b.accuracy.mean > a.accuracy.mean ? b : a));
    const lma = students.filter((c) => c.dimensions['model.activation'] === 'lma-8');
    const row = page.locator('[data-testid=grouped-table] tr[data-group="lma-8"] td');
    await expect.poll(() => row.nth(1).textContent()).toBe(String(lma.length));
    expect(await row.nth(2).textContent()).toBe(String(lma.reduce((n, c) => n + c.n, 0)));
    expect(await row.nth(3).textContent()).toBe(meanStd(best(lma).accuracy));

    await page.getByTestId('group-then').selectOption('model.hidden');
    const cell = page.locator('[data-testid=grouped-table] tr[data-group="relu"] td[data-cell="8"]');
    const relu8 = students.filter(
      (c) => c.dimensions['model.activation'] === 'relu' && c.dimensions['model.hidden']?.toString() === '8',
    );
    await expect.poll(() => cell.textContent()).toBe(`${meanStd(best(relu8).accuracy)} n=3`);
    expect(await page.locator('[data-testid=grouped-table] thead th').allTextContents()).toEqual([
      'model.activation \\ model.hidden',
      '8',
      '64',
    ]);
  });

  it('says what is missing where a part has nothing to show', async () => {
    const fresh = await submitSweep(api, quickstart({ name: 'nothing-yet' }));
    await page.goto(`${baseUrl}/#/sweeps/${fresh}`);
    await expect.poll(() => page.getByTestId('scatter-empty').textContent()).toContain('No results yet');
    expect(await page.getByTestId('scatter').isVisible()).toBe(false);
    expect(await page.getByTestId('curve-empty').textContent()).toBe('No epoch recorded.');
    expect(await page.getByTestId('grouped-empty').textContent()).toContain('No student results yet');
    expect(await page.getByTestId('overlay-empty').isVisible()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-empty-sweep.png'), fullPage: true });

    // A PTQ run chosen on the sweep page says why it has no curve.
    const ptq = await api.db.run.findFirstOrThrow({ where: { sweepId: finished, kind: 'quantize-ptq' } });
    await page.goto(`${baseUrl}/#/sweeps/${finished}`);
    await page.locator(`tr[data-run-id="${ptq.id}"] td:nth-child(3)`).click();
    await expect.poll(() => page.getByTestId('curve-empty').textContent()).toContain('A PTQ run does not train');

    // Another team with nothing yet: the frontier says how to get results.
    const empty = await createTeam(api.store, `empty-${Date.now()}`);
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(`${baseUrl}/#key=${encodeURIComponent(empty.apiKey)}`);
      await tab.getByText('No sweeps yet').waitFor();
      await tab.goto(`${baseUrl}/#/frontier`);
      await expect.poll(() => tab.getByTestId('frontier-empty').textContent()).toContain('distillery demo');
    } finally {
      await context.close();
    }
    // Filters that match nothing: the chart gives way to a sentence.
    await page.goto(`${baseUrl}/#/frontier?dataset=mnist&kinds=quantized&bits=2`);
    await expect.poll(() => page.getByTestId('team-scatter-empty').textContent()).toContain('match these filters');
    await page.goto(`${baseUrl}/#/compare?dimension=activation&a=relu&b=swish`);
    await expect.poll(() => page.getByTestId('compare-empty').textContent()).toContain('Nothing to draw');
  });
});
