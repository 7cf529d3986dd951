// Small formatting and DOM helpers shared by the pages.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function percent(value, digits = 2) {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(digits)}%`;
}

export function meanStd(stats) {
  if (!stats) return '–';
  return stats.std === null ? percent(stats.mean) : `${percent(stats.mean)} ± ${(stats.std * 100).toFixed(2)}`;
}

/** A 95% confidence interval in percent, `[85.01, 88.99]%`; `–` without one (a single replicate). */
export function ci95(stats) {
  if (!stats?.ci95) return '–';
  return `[${(stats.ci95.low * 100).toFixed(2)}, ${(stats.ci95.high * 100).toFixed(2)}]%`;
}

export function size(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** An axis label for a size in bytes, as short as it can be: `512 B`, `4 KB`, `1.5 MB`. */
export function sizeTick(bytes) {
  const short = (v) => String(Number(v.toPrecision(3)));
  if (bytes < 1024) return `${short(bytes)} B`;
  if (bytes < 1024 * 1024) return `${short(bytes / 1024)} KB`;
  return `${short(bytes / 1024 / 1024)} MB`;
}

/** A configuration dimension's value as a table shows it: layer lists as `16-16`, none as `–`. */
export function dimensionValue(value) {
  if (value === null || value === undefined) return '–';
  return Array.isArray(value) ? value.join('-') : String(value);
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** What a part of a page says when it has nothing to show yet, and what would fill it. */
export function emptyState(testId, message) {
  return h('p', { class: 'muted empty', 'data-testid': testId }, message);
}

/**
 * A chart's box with its empty state: `show(true)` shows the chart, `show(false, message)` hides it and says why
 * there is nothing to draw.
 */
export function chartBox(canvas, emptyTestId, { tall = false } = {}) {
  const chart = h('div', { class: tall ? 'chart tall' : 'chart' }, canvas);
  const empty = emptyState(emptyTestId, '');
  empty.hidden = true;
  return {
    element: h('div', {}, chart, empty),
    show(drawn, message = '') {
      chart.hidden = !drawn;
      empty.hidden = drawn;
      empty.textContent = message;
    },
  };
}

export function stateBadge(state) {
  return h('span', { class: `badge state-${state}`, 'data-state': state }, state);
}

/** A progress bar whose width follows `value` (0..1). */
export function progressBar(value, testId) {
  const bar = h('div', { class: 'bar' });
  const outer = h(
    'div',
    { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'data-testid': testId },
    bar,
  );
  setProgress(outer, value);
  return outer;
}

export function setProgress(outer, value) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  outer.setAttribute('aria-valuenow', String(pct));
  outer.title = `${pct}%`;
  outer.firstElementChild.style.width = `${pct}%`;
}

export function table(headers, rows, attributes = {}) {
  return h(
    'table',
    attributes,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
