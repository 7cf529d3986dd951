// The grouped view of a sweep's configurations: by one configuration dimension, or two as a pivot table.
import { dimensionValue, h, meanStd, size, table } from './format.js';
import { agreementCell } from './method-columns.js';

/** Dimensions never offered: a seed is a replicate, not a configuration, and the teacher is drawn apart. */
const HIDDEN = new Set(['seed', 'teacher']);

/** The dimensions (spec paths) along which `configurations` differ, in the order the API lists them. */
export function varyingDimensions(configurations) {
  const first = configurations[0];
  if (!first) return [];
  return Object.keys(first.dimensions).filter(
    (d) => !HIDDEN.has(d) && new Set(configurations.map((c) => JSON.stringify(c.dimensions[d]))).size > 1,
  );
}

function groupsOf(configurations, dimension) {
  const groups = new Map();
  for (const c of configurations) {
    const key = dimensionValue(c.dimensions[dimension]);
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  return groups;
}

function best(configurations) {
  return configurations.reduce((a, b) => (b.accuracy.mean > a.accuracy.mean ? b : a));
}

/**
 * One row per value of `rows`: configurations, replicates, the best configuration (mean ± std, its size), the
 * mean over configurations and the smallest size; with `columns`, a pivot whose cells hold the best mean ± std
 * and n of the configurations with both values.
 */
export function groupedTable(configurations, rows, columns) {
  const byRow = groupsOf(configurations, rows);
  if (!columns) {
    return table(
      [
        rows,
        'configurations',
        'runs',
        'best accuracy (mean ± std)',
        'its size',
        'its agreement',
        'mean over configurations',
        'smallest',
      ],
      [...byRow].map(([value, items]) => {
        const top = best(items);
        const mean = items.reduce((sum, c) => sum + c.accuracy.mean, 0) / items.length;
        return h(
          'tr',
          { 'data-group': value },
          h('td', {}, value),
          h('td', { class: 'num' }, items.length),
          h(
            'td',
            { class: 'num' },
            items.reduce((sum, c) => sum + c.n, 0),
          ),
          h('td', { class: 'num', title: top.description }, meanStd(top.accuracy)),
          h('td', { class: 'num' }, size(top.bytes)),
          agreementCell(top),
          h('td', { class: 'num' }, `${(mean * 100).toFixed(2)}%`),
          h('td', { class: 'num' }, size(Math.min(...items.map((c) => c.bytes)))),
        );
      }),
      { 'data-testid': 'grouped-table', class: 'grouped' },
    );
  }
  const columnValues = [...groupsOf(configurations, columns).keys()];
  return table(
    [`${rows} \\ ${columns}`, ...columnValues],
    [...byRow].map(([value, items]) => {
      const byColumn = groupsOf(items, columns);
      return h(
        'tr',
        { 'data-group': value },
        h('td', {}, value),
        columnValues.map((column) => {
          const cell = byColumn.get(column);
          if (!cell) return h('td', { class: 'num muted' }, '–');
          const top = best(cell);
          return h(
            'td',
            { class: 'num', title: top.description, 'data-cell': column },
            meanStd(top.accuracy),
            ' ',
            h('small', {}, `n=${top.n}`),
          );
        }),
      );
    }),
    { 'data-testid': 'grouped-table', class: 'grouped pivot' },
  );
}
