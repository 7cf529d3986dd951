// The compression and distillation facts of a configuration as table columns, read from its dimensions (the
// spec paths every result carries), and its replicates' agreement.
import { dimensionValue, h, percent } from './format.js';

/**
 * Columns a table of configurations may show, each a header and the value it reads; a column is shown only when
 * some configuration has a value there (a sweep without pruning gets no sparsity column). `data.source` is read
 * where results carry it.
 */
const COLUMNS = [
  ['compression', (d) => d['prune.method'] ?? d['quantize.method'] ?? null],
  ['noise', (d) => d['quantize.noise'] ?? null],
  ['sparsity', (d) => (d['prune.sparsity'] == null ? null : percent(d['prune.sparsity'], 1))],
  ['smh fraction', (d) => d['model.smh.fraction'] ?? null],
  ['data source', (d) => d['data.source'] ?? null],
  ['distillation', (d) => d['distill.method'] ?? null],
];

/** The columns with a value in some of `configurations`: [header, (configuration) => cell] pairs. */
export function methodColumns(configurations) {
  return COLUMNS.filter(([, read]) => configurations.some((c) => read(c.dimensions) != null)).map(([header, read]) => [
    header,
    (c) => {
      const value = read(c.dimensions);
      return h('td', { 'data-column': header }, value == null ? '–' : dimensionValue(value));
    },
  ]);
}

/** `97.50% (3 pairs)`: the mean pairwise fraction of test examples two seeds predict alike; `–` without a pair. */
export function agreementText(agreement) {
  if (!agreement || agreement.value === null) return '–';
  return `${percent(agreement.value)} (${agreement.pairs} ${agreement.pairs === 1 ? 'pair' : 'pairs'})`;
}

export function agreementCell(c) {
  return h(
    'td',
    {
      class: 'num',
      'data-column': 'agreement',
      title: 'Mean over pairs of seeds of the fraction of test examples they predict alike',
    },
    agreementText(c.agreement),
  );
}
