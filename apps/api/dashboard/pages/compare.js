import { get } from '../api.js';
import { comparisonChart } from '../charts.js';
import { h, meanStd, query, size, table } from '../format.js';

const DIMENSIONS = ['activation', 'bits', 'method', 'hidden', 'temperature', 'alpha'];

function signedPoints(value) {
  if (value === null || value === undefined) return '–';
  const points = value * 100;
  return `${points >= 0 ? '+' : ''}${points.toFixed(2)} pts`;
}

/** B against A along one dimension at otherwise equal configuration, by student size (LMA vs ReLU by default). */
export async function comparePage({ main, signal, params }) {
  const form = {
    dimension: params.get('dimension') ?? 'activation',
    a: params.get('a') ?? 'relu',
    b: params.get('b') ?? 'lma-8',
    dataset: params.get('dataset') ?? '',
    bits: params.get('bits') ?? '',
  };
  const comparison = await get(`/v1/compare${query(form)}`, signal);

  const input = (name, attributes = {}) =>
    h('input', { name, value: form[name], 'data-testid': `compare-${name}`, size: 10, ...attributes });
  const formElement = h(
    'form',
    {
      class: 'controls',
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(event.target);
        const next = new URLSearchParams();
        for (const [k, v] of data) if (v !== '') next.set(k, String(v));
        location.hash = `#/compare?${next}`;
      },
    },
    'Compare ',
    h(
      'select',
      { name: 'dimension' },
      DIMENSIONS.map((d) => h('option', { value: d, selected: d === form.dimension }, d)),
    ),
    ' A ',
    input('a'),
    ' against B ',
    input('b'),
    ' data set ',
    input('dataset', { placeholder: 'any' }),
    ' bits ',
    input('bits', { placeholder: 'any', size: 4 }),
    ' ',
    h('button', { type: 'submit' }, 'Compare'),
  );

  const s = comparison.summary;
  const summary =
    s.n === 0
      ? `No pairs: no configurations with ${form.dimension} = ${form.a} and = ${form.b} that are otherwise equal.`
      : `${comparison.b} − ${comparison.a}: ${signedPoints(s.mean)} mean paired difference` +
        `${s.std === null ? '' : ` (std ${signedPoints(s.std).replace('+', '')}, stderr ${signedPoints(s.stderr).replace('+', '')})`}` +
        ` over ${s.n} pairs; ${comparison.b} better in ${s.bBetter}, ${comparison.a} better in ${s.aBetter}, ties ${s.ties}.`;
  const values = comparison.values.map((v) => `${v.value} (${v.configurations})`).join(', ');
  const canvas = h('canvas', { 'data-testid': 'compare-chart' });
  main.replaceChildren(
    h('h1', {}, `Compare ${form.dimension}: ${comparison.a} vs ${comparison.b}`),
    formElement,
    h('p', { class: 'summary', 'data-testid': 'compare-summary' }, summary),
    h('p', { class: 'muted' }, `Values of ${form.dimension} in these results: ${values || 'none'}.`),
    h('section', { class: 'card' }, h('h2', {}, 'By student size'), h('div', { class: 'chart' }, canvas)),
    h(
      'section',
      { class: 'card' },
      table(
        ['shared configuration', 'size A', comparison.a, comparison.b, 'B − A', 'seed-paired'],
        comparison.pairs.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, p.context),
            h('td', { class: 'num' }, size(p.a.bytes)),
            h('td', { class: 'num' }, meanStd(p.a.accuracy)),
            h('td', { class: 'num' }, meanStd(p.b.accuracy)),
            h('td', { class: `num ${p.difference >= 0 ? 'better' : 'worse'}` }, signedPoints(p.difference)),
            h(
              'td',
              { class: 'num' },
              p.seedPaired.n ? `${signedPoints(p.seedPaired.mean)} (n=${p.seedPaired.n})` : '–',
            ),
          ),
        ),
        { 'data-testid': 'compare-table' },
      ),
    ),
  );
  comparisonChart(canvas, comparison);
}
