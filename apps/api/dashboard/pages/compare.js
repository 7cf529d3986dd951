import { get } from '../api.js';
import { comparisonChart } from '../charts.js';
import { chartBox, h, meanStd, query, size, table } from '../format.js';

const DIMENSIONS = [
  'activation',
  'bits',
  'method',
  'noise',
  'sparsity',
  'hidden',
  'smh.fraction',
  'distill.method',
  'temperature',
  'alpha',
  'data.source',
];

function signedPoints(value) {
  if (value === null || value === undefined) return '–';
  const points = value * 100;
  return `${points >= 0 ? '+' : ''}${points.toFixed(2)} pts`;
}

/**
 * B against A along one dimension, paired on seed, by student size (LMA vs ReLU by default): a verdict per
 * quantization stratum, and per configuration pair the mean paired difference, its 95% CI, p and n.
 */
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

  const interval = (ci) => (ci ? `[${signedPoints(ci.low)}, ${signedPoints(ci.high)}]` : '–');
  const pValue = (p) => (p === null ? '–' : p < 0.001 ? '< 0.001' : String(Number(p.toPrecision(2))));
  const strata =
    comparison.strata.length === 0
      ? [
          h(
            'li',
            {},
            `No pairs: no configurations with ${form.dimension} = ${form.a} and = ${form.b} that are otherwise equal.`,
          ),
        ]
      : comparison.strata.map((s) =>
          h(
            'li',
            { 'data-testid': 'compare-verdict' },
            h('strong', {}, `${s.label}: ${s.verdict}`),
            s.test.meanDifference === null
              ? ''
              : ` — ${comparison.b} − ${comparison.a} ${signedPoints(s.test.meanDifference)}, 95% CI ` +
                  `${interval(s.test.ci95)}, n = ${s.test.n} seed pair${s.test.n === 1 ? '' : 's'} over ${s.configurations} configuration` +
                  `${s.configurations === 1 ? '' : 's'}`,
          ),
        );
  const values = comparison.values.map((v) => `${v.value} (${v.configurations})`).join(', ');
  const canvas = h('canvas', { 'data-testid': 'compare-chart' });
  const box = chartBox(canvas, 'compare-empty');
  main.replaceChildren(
    h('h1', {}, `Compare ${form.dimension}: ${comparison.a} vs ${comparison.b}`),
    formElement,
    h('ul', { class: 'summary', 'data-testid': 'compare-summary' }, strata),
    h('p', { class: 'muted', 'data-testid': 'compare-pairing' }, comparison.pairing),
    h('p', { class: 'muted' }, `Values of ${form.dimension} in these results: ${values || 'none'}.`),
    h('section', { class: 'card' }, h('h2', {}, 'By student size'), box.element),
    h(
      'section',
      { class: 'card' },
      table(
        ['shared configuration', 'stratum', 'size A', comparison.a, comparison.b, 'B − A (paired)', '95% CI', 'p', 'n'],
        comparison.pairs.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, p.context),
            h('td', {}, p.stratum),
            h('td', { class: 'num' }, size(p.a.bytes)),
            h('td', { class: 'num' }, meanStd(p.a.accuracy)),
            h('td', { class: 'num' }, meanStd(p.b.accuracy)),
            h(
              'td',
              { class: `num ${(p.test.meanDifference ?? 0) >= 0 ? 'better' : 'worse'}` },
              signedPoints(p.test.meanDifference),
            ),
            h('td', { class: 'num' }, interval(p.test.ci95)),
            h('td', { class: 'num' }, pValue(p.test.p)),
            h('td', { class: 'num' }, p.test.n),
          ),
        ),
        { 'data-testid': 'compare-table' },
      ),
    ),
  );
  if (comparison.pairs.length === 0) {
    box.show(
      false,
      `Nothing to draw: no pair of configurations differs only in ${form.dimension} (${form.a} against ${form.b}).`,
    );
  } else {
    box.show(true);
    comparisonChart(canvas, comparison);
  }
}
