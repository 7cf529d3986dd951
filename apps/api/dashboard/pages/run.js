import { follow, get } from '../api.js';
import { learningCurveChart } from '../charts.js';
import { downloadLink } from '../download.js';
import { h, percent, progressBar, setProgress, size, stateBadge, table, when } from '../format.js';

/** The files a finished run serves (GET /v1/runs/:id/artifacts/:name). */
const ARTIFACTS = [
  ['model.json', 'tfjs-layers model'],
  ['model.weights.bin', 'its float32 weights'],
  ['packed.json', 'packed manifest'],
  ['packed.bin', 'packed weights (the measured size)'],
];
/** The files a finished synthesize run serves: its data set. */
const DATASET_ARTIFACTS = [
  ['dataset.json', 'shape, classes and how the inputs were made'],
  ['inputs.bin', 'one byte per input value (×255)'],
  ['labels.bin', "the teacher's labels, uint16 little-endian"],
];

/** One table row of plain cells. */
function cells(values) {
  return h(
    'tr',
    {},
    values.map((v) => h('td', {}, v)),
  );
}

function seconds(from, to) {
  if (!from || !to) return '–';
  return `${((new Date(to) - new Date(from)) / 1000).toFixed(1)} s`;
}

function eventLine(message) {
  const { type, at, data } = message.data ?? {};
  const detail =
    type === 'epoch'
      ? `epoch ${data.epoch}/${data.epochs}: train loss ${data.trainLoss?.toFixed(4)}, val loss ${data.valLoss?.toFixed(4) ?? '–'}`
      : type === 'state'
        ? `${data.state} (attempt ${data.attempt})${data.error ? `: ${data.error}` : ''}`
        : JSON.stringify(data);
  return h('li', { 'data-event': type }, h('span', { class: 'muted' }, when(at)), ' ', type, ' · ', detail);
}

/**
 * One run: state, timings, attempts, the result, the learning curve (train and validation loss and accuracy),
 * the events it recorded, the full resolved configuration, and its model files to download.
 */
export async function runPage({ main, signal }, id) {
  const run = await get(`/v1/runs/${encodeURIComponent(id)}`, signal);
  const curve = h('canvas', { id: 'run-curve', 'data-testid': 'run-curve' });
  const events = h('ol', { class: 'events', 'data-testid': 'run-events' });
  const base = `/v1/runs/${encodeURIComponent(run.id)}`;
  const bar = progressBar(run.state === 'succeeded' ? 1 : run.progress, 'run-progress');
  const where = h('span', { class: 'muted', 'data-testid': 'run-where' });
  const move = (progress, text) => {
    if (Math.round(progress * 100) < Number(bar.getAttribute('aria-valuenow'))) return;
    setProgress(bar, progress);
    where.textContent = text;
  };
  main.replaceChildren(
    h('p', {}, h('a', { href: `#/sweeps/${encodeURIComponent(run.sweepId)}` }, '← sweep')),
    h('h1', {}, `${run.key} · ${run.label} `, stateBadge(run.state)),
    h('p', { class: 'controls' }, bar, where),
    table(
      ['kind', 'attempt', 'created', 'queued', 'started', 'finished', 'ran for'],
      [
        cells([
          run.kind,
          run.attempt,
          when(run.createdAt),
          when(run.queuedAt),
          when(run.startedAt),
          when(run.finishedAt),
          seconds(run.startedAt, run.finishedAt),
        ]),
      ],
      { 'data-testid': 'run-timings' },
    ),
    ...(run.error ? [h('p', { class: 'error' }, run.error)] : []),
    h('h2', {}, 'Result'),
    run.result
      ? table(
          ['accuracy', 'loss', 'parameters', 'bits', 'size', 'backend', 'split digest'],
          [
            cells([
              percent(run.result.accuracy),
              run.result.loss.toFixed(4),
              run.result.parameters,
              run.result.bits,
              size(run.result.bytes),
              run.result.backend,
              run.result.splitDigest ?? '–',
            ]),
          ],
          { 'data-testid': 'run-result' },
        )
      : h('p', { class: 'muted' }, 'No result yet.'),
    h('h2', {}, 'Learning curve'),
    run.metrics.length > 0
      ? h('div', { class: 'chart' }, curve)
      : h(
          'p',
          { class: 'muted', 'data-testid': 'no-curve' },
          run.kind === 'quantize-ptq'
            ? 'A PTQ run does not train: it quantizes its student, so it has no learning curve.'
            : 'No epoch recorded yet.',
        ),
    h('h2', {}, run.kind === 'synthesize' ? 'Data set files' : 'Model files'),
    run.result
      ? h(
          'ul',
          { 'data-testid': 'run-artifacts' },
          (run.kind === 'synthesize' ? DATASET_ARTIFACTS : ARTIFACTS).map(([name, label]) =>
            h(
              'li',
              {},
              downloadLink(`${base}/artifacts/${name}`, name, { 'data-artifact': name }, name, ` (${label})`),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'The run has stored no model yet.'),
    run.metrics.length > 0
      ? h(
          'p',
          {},
          downloadLink(
            `${base}/metrics?format=csv`,
            `${run.key}-metrics.csv`,
            { 'data-download': 'metrics' },
            'per-epoch metrics CSV',
          ),
        )
      : '',
    h('h2', {}, 'Events'),
    events,
    h('h2', {}, 'Resolved configuration'),
    h('pre', { class: 'config', 'data-testid': 'run-config' }, JSON.stringify(run.config, null, 2)),
  );
  if (run.metrics.length > 0) learningCurveChart(curve, run.metrics);
  await follow(
    `${base}/events`,
    (message) => {
      const data = message.data?.data ?? {};
      // Progress within an epoch moves the bar; it is not history (the stream does not replay it).
      if (message.event === 'progress') {
        move(
          (data.epoch - 1 + data.batch / data.batches) / data.epochs,
          `epoch ${data.epoch}/${data.epochs}, batch ${data.batch}/${data.batches}`,
        );
        return;
      }
      if (message.event === 'epoch' && run.state === 'running')
        move(data.epoch / data.epochs, `epoch ${data.epoch}/${data.epochs}`);
      if (message.event !== 'end') events.append(eventLine(message));
    },
    signal,
  ).catch(() => {
    events.append(h('li', { class: 'muted' }, 'The events could not be read.'));
  });
  if (events.children.length === 0) events.append(h('li', { class: 'muted' }, 'No events recorded.'));
}
