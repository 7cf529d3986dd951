import { follow, get, sleep } from '../api.js';
import { accuracySizeChart, CURVE_METRICS, learningCurveChart, overlaidCurvesChart, shapeLegend } from '../charts.js';
import { downloadLink } from '../download.js';
import {
  chartBox,
  emptyState,
  h,
  meanStd,
  percent,
  progressBar,
  setProgress,
  size,
  stateBadge,
  when,
} from '../format.js';
import { groupedTable, varyingDimensions } from '../grouped-view.js';

/** While the sweep runs, the page also polls (in case the event stream is unavailable or a message was missed). */
const POLL_MS = 4000;

/** Why a run has no curve to draw. */
function noCurve(run) {
  if (run === undefined) return 'No run selected.';
  if (run.kind === 'quantize-ptq')
    return 'A PTQ run does not train: it quantizes its student, so it has no learning curve.';
  return run.state === 'running' ? 'No epoch finished yet: the curve starts after the first.' : 'No epoch recorded.';
}

/** A run's progress from its epochs and, within an epoch, its batches. */
function progressOf(data) {
  if (!(data.epochs > 0)) return 0;
  const within = data.batches > 0 ? data.batch / data.batches : 1;
  return (data.epoch - 1 + within) / data.epochs;
}

/**
 * One sweep: its runs (state, progress, attempts, errors), accuracy against size with the Pareto frontier and the
 * teacher, a run's learning curve, several runs' curves overlaid, and the configurations grouped by a dimension.
 * Live: run state changes, epochs and progress within an epoch arrive over the sweep's event stream and move the
 * page without a reload.
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
    overlay: h('canvas', { id: 'overlay', 'data-testid': 'overlay-curves' }),
    overlayMetric: h(
      'select',
      { 'data-testid': 'overlay-metric' },
      Object.entries(CURVE_METRICS).map(([value, { label }]) => h('option', { value }, label)),
    ),
    groupBy: h('select', { 'data-testid': 'group-by' }),
    thenBy: h('select', { 'data-testid': 'group-then' }),
    grouped: h('div'),
    links: h('p', { class: 'muted', 'data-testid': 'exports' }),
  };
  const scatterBox = chartBox(view.scatter, 'scatter-empty');
  const curveBox = chartBox(view.curve, 'curve-empty');
  const overlayBox = chartBox(view.overlay, 'overlay-empty');
  let sweep = null;
  let runs = [];
  let configurations = [];
  let selected = null;
  let metrics = [];
  /** Ticked runs, in the order they were ticked: run id → their curve (`{ label, metrics }`). */
  const overlaid = new Map();

  main.replaceChildren(
    view.title,
    view.summary,
    view.overall,
    h(
      'section',
      { class: 'grid' },
      h('div', { class: 'card' }, h('h2', {}, 'Accuracy against size'), scatterBox.element, view.legend),
      h('div', { class: 'card' }, h('h2', {}, 'Learning curve ', view.runSelect), curveBox.element),
    ),
    h(
      'section',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h(
          'h2',
          {},
          'Learning curves overlaid ',
          view.overlayMetric,
          ' ',
          h(
            'button',
            { type: 'button', class: 'link', 'data-testid': 'overlay-clear', onclick: clearOverlay },
            'clear',
          ),
        ),
        overlayBox.element,
      ),
      h('div', { class: 'card' }, h('h2', {}, 'Configurations by ', view.groupBy, ' then ', view.thenBy), view.grouped),
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
              h('span', { title: 'tick to overlay learning curves' }, 'overlay'),
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
  view.overlayMetric.addEventListener('change', drawOverlay);
  view.groupBy.addEventListener('change', drawGrouped);
  view.thenBy.addEventListener('change', drawGrouped);
  drawOverlay();

  async function loadSweep() {
    sweep = await get(`/v1/sweeps/${id}`, signal);
    view.title.replaceChildren(sweep.name, ' ', stateBadge(sweep.state));
    const c = sweep.counts;
    view.summary.textContent =
      `${sweep.totals.runs} runs: ${c.succeeded} succeeded, ${c.running} running, ${c.queued} queued, ` +
      `${c.waiting} waiting, ${c.failed} failed, ${c.cancelled} cancelled · submitted ${when(sweep.createdAt)}`;
    setProgress(view.overall, sweep.totals.progress);
    if (view.links.childElementCount === 0) {
      // `what`: results or metrics, the sweep's CSV export of that name.
      const exportLink = (what, text) =>
        downloadLink(
          `/v1/sweeps/${sweep.id}/${what}?format=csv`,
          `${sweep.name}-${what}.csv`,
          { 'data-download': what },
          text,
        );
      view.links.replaceChildren(
        'Export: ',
        exportLink('results', 'results CSV'),
        ' · ',
        exportLink('metrics', 'per-epoch metrics CSV'),
        ' (or ',
        h('code', {}, `distillery results --sweep ${sweep.id} --csv`),
        ')',
      );
    }
  }

  function renderRun(run) {
    let row = view.rows.get(run.id);
    if (row === undefined) {
      row = {
        tr: h('tr', { 'data-run-id': run.id, onclick: () => selectRun(run.id) }),
        bar: progressBar(run.progress, `progress-${run.key}`),
        where: h('span', { class: 'muted where', 'data-testid': `where-${run.key}` }),
        tick: h('input', {
          type: 'checkbox',
          'data-overlay': run.key,
          'aria-label': `overlay the learning curve of ${run.key}`,
          onclick: (event) => event.stopPropagation(),
          onchange: (event) => toggleOverlay(run.id, event.target.checked),
        }),
      };
      view.rows.set(run.id, row);
    }
    const reused = run.reusedFrom ? `reused from sweep ${run.reusedFrom.sweepId} (run ${run.reusedFrom.runId})` : '';
    const note = run.error ?? run.skippedReason ?? reused;
    row.run = run;
    row.tick.checked = overlaid.has(run.id);
    // A PTQ run quantizes a trained student: it has no curve to overlay.
    row.tick.disabled = run.kind === 'quantize-ptq';
    setProgress(row.bar, run.state === 'succeeded' ? 1 : run.progress);
    if (run.state !== 'running') row.where.textContent = '';
    row.tr.replaceChildren(
      h('td', {}, row.tick),
      h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(run.id)}`, 'data-run-link': run.key }, run.key)),
      h('td', {}, run.kind),
      h('td', {}, run.label),
      h('td', { class: 'state' }, stateBadge(run.state)),
      h('td', {}, row.bar, row.where),
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
      else curveBox.show(false, 'This sweep has no runs.');
    } else {
      view.runSelect.value = keep;
    }
  }

  async function loadResults() {
    const [results, frontier] = await Promise.all([
      get(`/v1/results?sweep=${id}&limit=1000&sort=bytes`, signal),
      get(`/v1/frontier?sweep=${id}`, signal),
    ]);
    configurations = results.items;
    const points = frontier.datasets.flatMap((d) => d.points);
    if (configurations.length === 0) {
      scatterBox.show(false, 'No results yet: a point appears here when a run finishes.');
      view.legend.textContent = '';
    } else {
      scatterBox.show(true);
      accuracySizeChart(view.scatter, configurations, points);
      view.legend.textContent =
        `Shapes: ${shapeLegend(configurations.map((c) => c.bits))} · ★ teacher · bars: ± std over seeds, n: seeds · ` +
        `dashed: Pareto frontier (${points.length} points)`;
      const best = points.at(-1);
      if (best) view.legend.title = `most accurate: ${best.description} ${meanStd(best.accuracy)}`;
    }
    offerDimensions();
    drawGrouped();
  }

  /** The dimensions the students differ in (teachers are drawn apart); keeps the user's choice where it still fits. */
  function offerDimensions() {
    const students = configurations.filter((c) => c.kind !== 'teacher');
    const dimensions = varyingDimensions(students);
    const keep = (select, fallback, extra = []) => {
      const choice = select.value || fallback;
      select.replaceChildren(
        ...extra.map(([value, label]) => h('option', { value }, label)),
        ...dimensions.map((d) => h('option', { value: d }, d)),
      );
      select.value = [...select.options].some((o) => o.value === choice) ? choice : (select.options[0]?.value ?? '');
    };
    keep(view.groupBy, dimensions[0]);
    keep(view.thenBy, '', [['', 'nothing']]);
  }

  function drawGrouped() {
    const students = configurations.filter((c) => c.kind !== 'teacher');
    if (students.length === 0) {
      view.grouped.replaceChildren(
        emptyState('grouped-empty', 'No student results yet: configurations are grouped here as their runs finish.'),
      );
      return;
    }
    if (!view.groupBy.value) {
      view.grouped.replaceChildren(
        emptyState('grouped-empty', 'All the results share one configuration: nothing to group by.'),
      );
      return;
    }
    const then = view.thenBy.value && view.thenBy.value !== view.groupBy.value ? view.thenBy.value : null;
    view.grouped.replaceChildren(
      groupedTable(students, view.groupBy.value, then),
      h('p', { class: 'muted' }, 'Students and their quantized variants; best is the highest mean over seeds.'),
    );
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
    drawCurve();
  }

  function drawCurve() {
    const run = view.rows.get(selected)?.run;
    if (metrics.length === 0) return curveBox.show(false, noCurve(run));
    curveBox.show(true);
    learningCurveChart(view.curve, metrics);
  }

  async function toggleOverlay(runId, on) {
    if (!on) {
      overlaid.delete(runId);
      return drawOverlay();
    }
    const run = view.rows.get(runId)?.run;
    overlaid.set(runId, { label: run ? `${run.key} · ${run.label}` : runId, metrics: [] });
    drawOverlay();
    const detail = await get(`/v1/runs/${runId}`, signal).catch((error) => {
      if (!signal.aborted) console.warn('could not read the run', error);
      return null;
    });
    const curve = overlaid.get(runId);
    if (detail && curve) {
      curve.metrics = detail.metrics;
      drawOverlay();
    }
  }

  function clearOverlay() {
    overlaid.clear();
    for (const row of view.rows.values()) row.tick.checked = false;
    drawOverlay();
  }

  function drawOverlay() {
    const curves = [...overlaid.values()];
    if (curves.length === 0) {
      return overlayBox.show(false, 'Tick runs in the table (first column) to overlay their learning curves here.');
    }
    const metric = view.overlayMetric.value;
    if (!curves.some((c) => c.metrics.some((m) => m[metric] !== null && m[metric] !== undefined))) {
      return overlayBox.show(false, `The ticked runs have no ${CURVE_METRICS[metric].label} recorded yet.`);
    }
    overlayBox.show(true);
    overlaidCurvesChart(view.overlay, curves, metric);
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
   * Moves a running run's bar forward and says where it is (never back: the stream replays history before it
   * goes live). True when the bar moved.
   */
  function advance(row, progress, where) {
    const shown = Number(row.bar.getAttribute('aria-valuenow'));
    const pct = Math.round(progress * 100);
    if (pct < shown) return false;
    row.where.textContent = where;
    if (pct === shown) return false;
    setProgress(row.bar, progress);
    return true;
  }

  /**
   * The stream first replays the sweep's history, then goes live; the page already shows the present. So a state
   * change only triggers a reload of what it affects (never paints an old state), and an epoch or a batch only
   * moves a bar forward, and only for a run the page knows is running.
   */
  function onEvent(message) {
    const event = message.data;
    if (message.event === 'end') return refresh('sweep', 'runs', 'results');
    if (!event || typeof event !== 'object' || !event.runId) return;
    const row = view.rows.get(event.runId);
    const data = event.data ?? {};
    if (message.event === 'progress' && row && row.run.state === 'running') {
      advance(row, progressOf(data), `epoch ${data.epoch}/${data.epochs}, batch ${data.batch}/${data.batches}`);
    } else if (message.event === 'epoch' && row && row.run.state === 'running' && data.epochs > 0) {
      if (advance(row, data.epoch / data.epochs, `epoch ${data.epoch}/${data.epochs}`)) refresh('sweep');
      const point = { ...data, recordedAt: event.at };
      if (selected === event.runId && !metrics.some((m) => m.epoch === data.epoch)) {
        metrics = [...metrics, point].sort((a, b) => a.epoch - b.epoch);
        drawCurve();
      }
      const curve = overlaid.get(event.runId);
      if (curve && !curve.metrics.some((m) => m.epoch === data.epoch)) {
        curve.metrics = [...curve.metrics, point].sort((a, b) => a.epoch - b.epoch);
        drawOverlay();
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
