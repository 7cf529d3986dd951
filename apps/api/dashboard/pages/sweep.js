import { follow, get, sleep } from '../api.js';
import { accuracySizeChart, learningCurveChart, shapeLegend } from '../charts.js';
import { h, meanStd, percent, progressBar, setProgress, size, stateBadge, when } from '../format.js';

/** While the sweep runs, the page also polls (in case the event stream is unavailable or a message was missed). */
const POLL_MS = 4000;

/**
 * One sweep: its runs (state, progress, attempts, errors), accuracy against size with the Pareto frontier, and a
 * run's learning curve. Live: run state changes and epochs arrive over the sweep's event stream and move the page
 * without a reload.
 */
export async function sweepPage({ main, signal }, id) {
  const view = {
    title: h('h1', {}),
    summary: h('p', { class: 'summary', 'data-testid': 'sweep-summary' }),
    overall: progressBar(0, 'sweep-progress'),
    runsBody: h('tbody'),
    rows: new Map(),
    scatter: h('canvas', { id: 'scatter', 'data-testid': 'scatter' }),
    legend: h('p', { class: 'legend muted' }),
    curve: h('canvas', { id: 'curve', 'data-testid': 'curve' }),
    runSelect: h('select', { 'data-testid': 'run-select' }),
    links: h('p', { class: 'muted' }),
  };
  let sweep = null;
  let runs = [];
  let selected = null;
  let metrics = [];

  main.replaceChildren(
    view.title,
    view.summary,
    view.overall,
    h(
      'section',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Accuracy against size'),
        h('div', { class: 'chart' }, view.scatter),
        view.legend,
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Learning curve ', view.runSelect),
        h('div', { class: 'chart' }, view.curve),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Runs'),
      h(
        'table',
        { 'data-testid': 'runs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'run',
              'kind',
              'configuration',
              'state',
              'progress',
              'attempt',
              'accuracy',
              'size',
              'quantized',
              'note',
            ].map((x) => h('th', {}, x)),
          ),
        ),
        view.runsBody,
      ),
    ),
    view.links,
  );
  view.runSelect.addEventListener('change', () => selectRun(view.runSelect.value));

  async function loadSweep() {
    sweep = await get(`/v1/sweeps/${id}`, signal);
    view.title.replaceChildren(sweep.name, ' ', stateBadge(sweep.state));
    const c = sweep.counts;
    view.summary.textContent =
      `${sweep.totals.runs} runs: ${c.succeeded} succeeded, ${c.running} running, ${c.queued} queued, ` +
      `${c.waiting} waiting, ${c.failed} failed, ${c.cancelled} cancelled · submitted ${when(sweep.createdAt)}`;
    setProgress(view.overall, sweep.totals.progress);
    view.links.replaceChildren(
      'Export: ',
      h('a', { href: `/v1/sweeps/${id}/results?format=csv`, 'data-download': true }, 'results CSV'),
      ' (with your key: ',
      h('code', {}, `distillery results --sweep ${id} --csv`),
      ')',
    );
  }

  function renderRun(run) {
    let row = view.rows.get(run.id);
    if (row === undefined) {
      row = {
        tr: h('tr', { 'data-run-id': run.id, onclick: () => selectRun(run.id) }),
        bar: progressBar(run.progress, `progress-${run.key}`),
      };
      view.rows.set(run.id, row);
    }
    const reused = run.reusedFrom ? `reused from sweep ${run.reusedFrom.sweepId} (run ${run.reusedFrom.runId})` : '';
    const note = run.error ?? run.skippedReason ?? reused;
    row.run = run;
    setProgress(row.bar, run.state === 'succeeded' ? 1 : run.progress);
    row.tr.replaceChildren(
      h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(run.id)}`, 'data-run-link': run.key }, run.key)),
      h('td', {}, run.kind),
      h('td', {}, run.label),
      h('td', { class: 'state' }, stateBadge(run.state)),
      h('td', {}, row.bar),
      h('td', { class: 'num' }, run.attempt),
      h('td', { class: 'num' }, run.result ? percent(run.result.accuracy) : '–'),
      ...sizeCells(run.result?.sizeBreakdown ?? run.predicted),
      h('td', { class: note ? 'error' : '' }, note),
    );
    return row.tr;
  }

  async function loadRuns() {
    ({ items: runs } = await get(`/v1/sweeps/${id}/runs`, signal));
    view.runsBody.replaceChildren(...runs.map(renderRun));
    const options = runs.map((r) => h('option', { value: r.id }, `${r.key} · ${r.label}`));
    const keep = selected;
    view.runSelect.replaceChildren(...options);
    if (keep === null) {
      const first = runs.find((r) => r.state === 'running') ?? runs.find((r) => r.result) ?? runs[0];
      if (first) await selectRun(first.id);
    } else {
      view.runSelect.value = keep;
    }
  }

  async function loadResults() {
    const [configurations, frontier] = await Promise.all([
      get(`/v1/results?sweep=${id}&limit=1000&sort=bytes`, signal),
      get(`/v1/frontier?sweep=${id}`, signal),
    ]);
    const points = frontier.datasets.flatMap((d) => d.points);
    accuracySizeChart(view.scatter, configurations.items, points);
    view.legend.textContent = configurations.items.length
      ? `Shapes: ${shapeLegend(configurations.items.map((c) => c.bits))} · dashed: Pareto frontier (${points.length} points)`
      : 'No results yet.';
    const best = points.at(-1);
    if (best) view.legend.title = `most accurate: ${best.description} ${meanStd(best.accuracy)}`;
  }

  async function selectRun(runId) {
    selected = runId;
    view.runSelect.value = runId;
    for (const [rid, row] of view.rows) row.tr.classList.toggle('selected', rid === runId);
    let detail;
    try {
      detail = await get(`/v1/runs/${runId}`, signal);
    } catch (error) {
      // Leaving the page (a run's link is inside its row) aborts the request: nothing to draw then.
      if (signal.aborted) return;
      throw error;
    }
    if (selected !== runId) return;
    metrics = detail.metrics;
    learningCurveChart(view.curve, metrics);
  }

  // Refreshes coalesce: many events in a burst cause one reload of each part.
  const pending = new Set();
  let timer = null;
  function refresh(...parts) {
    for (const p of parts) pending.add(p);
    if (timer !== null) return;
    timer = setTimeout(async () => {
      timer = null;
      const parts = [...pending];
      pending.clear();
      try {
        if (parts.includes('sweep')) await loadSweep();
        if (parts.includes('runs')) await loadRuns();
        if (parts.includes('results')) await loadResults();
      } catch (error) {
        if (!signal.aborted) console.warn('refresh failed', error);
      }
    }, 300);
  }

  /**
   * The stream first replays the sweep's history, then goes live; the page already shows the present. So a state
   * change only triggers a reload of what it affects (never paints an old state), and an epoch only moves a bar
   * forward, and only for a run the page knows is running.
   */
  function onEvent(message) {
    const event = message.data;
    if (message.event === 'end') return refresh('sweep', 'runs', 'results');
    if (!event || typeof event !== 'object' || !event.runId) return;
    const row = view.rows.get(event.runId);
    const data = event.data ?? {};
    if (message.event === 'epoch' && row && row.run.state === 'running' && data.epochs > 0) {
      const progress = data.epoch / data.epochs;
      if (progress * 100 > Number(row.bar.getAttribute('aria-valuenow'))) {
        setProgress(row.bar, progress);
        refresh('sweep');
      }
      if (selected === event.runId && !metrics.some((m) => m.epoch === data.epoch)) {
        metrics = [...metrics, { ...data, recordedAt: event.at }].sort((a, b) => a.epoch - b.epoch);
        learningCurveChart(view.curve, metrics);
      }
    } else if (message.event === 'state') {
      refresh('sweep', 'runs', ...(data.state === 'succeeded' ? ['results'] : []));
    }
  }

  await loadSweep();
  await Promise.all([loadRuns(), loadResults()]);

  follow(`/v1/sweeps/${id}/events`, onEvent, signal).catch((error) => {
    if (!signal.aborted) console.warn('event stream unavailable, polling', error);
  });
  while (!signal.aborted) {
    await sleep(POLL_MS);
    if (signal.aborted || sweep?.state !== 'running') continue;
    refresh('sweep', 'runs', 'results');
  }
}

/**
 * The size (measured once there is a result, else predicted) with its split into codes, bucket headers and float
 * tensors on hover, and the share of values quantized.
 */
function sizeCells(s) {
  const split = `codes ${size(s.codeBytes)} + bucket headers ${size(s.headerBytes)} + float ${size(s.floatBytes)}`;
  return [
    h('td', { class: 'num', title: split }, size(s.bytes)),
    h('td', { class: 'num', title: split }, s.quantizedValues > 0 ? percent(s.quantizedFraction, 1) : '–'),
  ];
}
