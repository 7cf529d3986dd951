import { get } from '../api.js';
import { accuracySizeChart, shapeLegend } from '../charts.js';
import { chartBox, ci95, emptyState, h, meanStd, query, size, table } from '../format.js';
import { agreementCell, methodColumns } from '../method-columns.js';

const KINDS = {
  all: undefined,
  students: 'student,quantize-ptq,quantize-qat',
  quantized: 'quantize-ptq,quantize-qat',
};
/** What the runs trained on: the training split, or inputs synthesized from the teacher (data-free). */
const SOURCES = { all: undefined, real: 'real', synthetic: 'synthetic' };

/** The team's accuracy-versus-size frontier of one data set, across every sweep, with the configurations behind it. */
export async function frontierPage({ main, signal, params }) {
  const everything = await get('/v1/frontier', signal);
  const datasets = everything.datasets.map((d) => d.dataset);
  const dataset = params.get('dataset') ?? datasets[0];
  const kindChoice = params.get('kinds') ?? 'all';
  const sourceChoice = params.get('data') ?? 'all';
  if (dataset === undefined) {
    main.replaceChildren(
      h('h1', {}, 'Team frontier'),
      emptyState(
        'frontier-empty',
        'No results yet: the frontier is drawn from finished runs. Try `npx distillery demo`, or submit a sweep ' +
          'with `distillery sweep submit sweep.yaml`.',
      ),
    );
    return;
  }
  const filters = {
    dataset,
    kind: KINDS[kindChoice],
    bits: params.get('bits') ?? undefined,
    dataSource: SOURCES[sourceChoice],
  };
  const [configurations, frontier] = await Promise.all([
    get(`/v1/results${query({ ...filters, limit: 1000, sort: '-accuracy' })}`, signal),
    get(`/v1/frontier${query(filters)}`, signal),
  ]);
  const points = frontier.datasets[0]?.points ?? [];
  const methods = methodColumns(points);

  const navigate = (changes) => {
    const next = new URLSearchParams({ dataset, kinds: kindChoice, data: sourceChoice, ...changes });
    location.hash = `#/frontier?${next}`;
  };
  const datasetSelect = h(
    'select',
    { 'data-testid': 'dataset', onchange: (e) => navigate({ dataset: e.target.value }) },
    datasets.map((d) => h('option', { value: d, selected: d === dataset }, d)),
  );
  const kindSelect = h(
    'select',
    { onchange: (e) => navigate({ kinds: e.target.value }) },
    Object.keys(KINDS).map((k) => h('option', { value: k, selected: k === kindChoice }, k)),
  );
  const sourceSelect = h(
    'select',
    { 'data-testid': 'data-source', onchange: (e) => navigate({ data: e.target.value }) },
    Object.keys(SOURCES).map((k) => h('option', { value: k, selected: k === sourceChoice }, k)),
  );
  const canvas = h('canvas', { 'data-testid': 'team-scatter' });
  const box = chartBox(canvas, 'team-scatter-empty', { tall: true });
  const shown =
    configurations.items.length < configurations.total ? ` (best ${configurations.items.length} shown)` : '';
  main.replaceChildren(
    h('h1', {}, 'Team frontier'),
    h('p', { class: 'controls' }, 'Data set ', datasetSelect, ' runs ', kindSelect, ' trained on ', sourceSelect),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, `${configurations.total} configurations${shown}, ${points.length} on the frontier`),
      box.element,
      h(
        'p',
        { class: 'legend muted' },
        `Shapes: ${shapeLegend(configurations.items.map((c) => c.bits))} · ★ teacher · bars: ± std over seeds, ` +
          'n: seeds · dashed: Pareto frontier',
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'On the frontier, smallest first'),
      table(
        [
          'configuration',
          'kind',
          ...methods.map(([header]) => header),
          'bits',
          'size',
          'accuracy (mean ± std)',
          '95% CI',
          'n',
          'agreement',
          'sweeps',
        ],
        points.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, p.description),
            h('td', {}, p.kind),
            ...methods.map(([, cell]) => cell(p)),
            h('td', { class: 'num' }, p.bits),
            h('td', { class: 'num' }, size(p.bytes)),
            h('td', { class: 'num' }, meanStd(p.accuracy)),
            h('td', { class: 'num' }, ci95(p.accuracy)),
            h('td', { class: 'num' }, p.n),
            agreementCell(p),
            h(
              'td',
              {},
              p.sweepIds.map((s) => h('a', { href: `#/sweeps/${s}` }, s.slice(0, 8))).flatMap((a) => [a, ' ']),
            ),
          ),
        ),
        { 'data-testid': 'frontier-table' },
      ),
    ),
  );
  if (configurations.items.length === 0) {
    box.show(false, `No ${kindChoice === 'all' ? '' : `${kindChoice} `}results on ${dataset} match these filters.`);
  } else {
    box.show(true);
    accuracySizeChart(canvas, configurations.items, points);
  }
}
