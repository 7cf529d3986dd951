// Charts with Chart.js (served from the project's node_modules at /dashboard/vendor: no CDN).

const Chart = window.Chart;

/** Activation family → colour; segment counts of one family share it. */
const COLOURS = { relu: '#1f77b4', prelu: '#ff7f0e', swish: '#2ca02c', aplu: '#9467bd', lma: '#d62728' };
const FALLBACK = ['#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Bit width → point shape. */
export const SHAPES = {
  32: 'circle',
  16: 'rectRot',
  8: 'rect',
  6: 'rectRounded',
  5: 'rectRounded',
  4: 'triangle',
  3: 'star',
  2: 'star',
};

export function colourOf(activation) {
  const family = String(activation).split('-')[0];
  if (COLOURS[family]) return COLOURS[family];
  let hash = 0;
  for (const c of family) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length];
}

export function shapeOf(bits) {
  return SHAPES[bits] ?? 'crossRot';
}

const charts = new WeakMap();

function draw(canvas, config) {
  charts.get(canvas)?.destroy();
  const chart = new Chart(canvas, {
    ...config,
    options: { animation: false, maintainAspectRatio: false, ...config.options },
  });
  charts.set(canvas, chart);
  return chart;
}

function percentTick(value) {
  return `${(value * 100).toFixed(0)}%`;
}

/**
 * Vertical error bars from each point's `c.accuracy.ci95` (the 95% confidence interval of the mean over seeds),
 * drawn under the points of scatter datasets; points of a single replicate have none.
 */
const ciErrorBars = {
  id: 'ciErrorBars',
  beforeDatasetsDraw(chart) {
    const { ctx, scales, chartArea } = chart;
    let drawn = 0;
    ctx.save();
    // An interval can reach past 0% or 100% (few seeds, wide t quantile): clip to the plot.
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    ctx.lineWidth = 1;
    chart.data.datasets.forEach((dataset, index) => {
      if (dataset.type !== 'scatter' || !chart.isDatasetVisible(index)) return;
      ctx.strokeStyle = dataset.borderColor;
      for (const point of dataset.data) {
        const ci = point.c?.accuracy?.ci95;
        if (!ci) continue;
        const x = scales.x.getPixelForValue(point.x);
        const top = scales.y.getPixelForValue(ci.high);
        const bottom = scales.y.getPixelForValue(ci.low);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.moveTo(x - 4, top);
        ctx.lineTo(x + 4, top);
        ctx.moveTo(x - 4, bottom);
        ctx.lineTo(x + 4, bottom);
        ctx.stroke();
        drawn++;
      }
    });
    ctx.restore();
    chart.canvas.dataset.errorBars = String(drawn);
  },
};

/**
 * Accuracy (mean over seeds) against size (bytes, log scale): one colour per activation, one shape per bit width,
 * a 95% CI error bar on every configuration with two or more seeds, and the Pareto frontier as a staircase through
 * its points. `canvas.dataset.points`, `.frontier` and `.errorBars` say how many of each are drawn.
 */
export function accuracySizeChart(canvas, configurations, frontier) {
  const byActivation = new Map();
  for (const c of configurations) {
    const list = byActivation.get(c.activation) ?? [];
    list.push(c);
    byActivation.set(c.activation, list);
  }
  const point = (c) => ({ x: c.bytes, y: c.accuracy.mean, c });
  const datasets = [...byActivation].map(([activation, items]) => ({
    type: 'scatter',
    label: activation,
    data: items.map(point),
    backgroundColor: `${colourOf(activation)}b0`,
    borderColor: colourOf(activation),
    pointStyle: items.map((c) => shapeOf(c.bits)),
    pointRadius: 6,
    pointHoverRadius: 8,
  }));
  const line = [...frontier].sort((a, b) => a.bytes - b.bytes);
  datasets.push({
    type: 'line',
    label: 'Pareto frontier',
    data: line.map(point),
    stepped: 'after',
    borderColor: '#222',
    borderWidth: 1.5,
    borderDash: [5, 4],
    pointRadius: 0,
    fill: false,
  });
  canvas.dataset.points = String(configurations.length);
  canvas.dataset.frontier = String(line.length);
  return draw(canvas, {
    data: { datasets },
    plugins: [ciErrorBars],
    options: {
      parsing: false,
      scales: {
        x: { type: 'logarithmic', title: { display: true, text: 'size of the weights (bytes, log scale)' } },
        y: {
          // Room for the error bars, which Chart.js does not count when it fits the axis to the points.
          suggestedMin: Math.max(0, Math.min(...configurations.map((c) => c.accuracy.ci95?.low ?? c.accuracy.mean))),
          suggestedMax: Math.min(1, Math.max(...configurations.map((c) => c.accuracy.ci95?.high ?? c.accuracy.mean))),
          title: { display: true, text: 'test accuracy (mean over seeds, 95% CI)' },
          ticks: { callback: percentTick },
        },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => {
              const c = item.raw.c;
              const std = c.accuracy.std === null ? '' : ` ± ${(c.accuracy.std * 100).toFixed(2)}`;
              const ci = c.accuracy.ci95
                ? `, 95% CI [${(c.accuracy.ci95.low * 100).toFixed(2)}, ${(c.accuracy.ci95.high * 100).toFixed(2)}]`
                : '';
              return `${c.description}: ${(c.accuracy.mean * 100).toFixed(2)}%${std}${ci} (n=${c.n}), ${Math.round(c.bytes)} B`;
            },
          },
        },
      },
    },
  });
}

/** A run's learning curve: accuracies (left axis) and training loss (right axis) by epoch. */
export function learningCurveChart(canvas, metrics) {
  const series = (label, pick, colour, axis = 'y') => ({
    label,
    data: metrics.filter((m) => pick(m) !== null).map((m) => ({ x: m.epoch, y: pick(m) })),
    borderColor: colour,
    backgroundColor: colour,
    yAxisID: axis,
    tension: 0.2,
  });
  const datasets = [series('train accuracy', (m) => m.trainAccuracy, '#1f77b4')];
  if (metrics.some((m) => m.valAccuracy !== null))
    datasets.push(series('validation accuracy', (m) => m.valAccuracy, '#2ca02c'));
  datasets.push(series('train loss', (m) => m.trainLoss, '#d62728', 'loss'));
  if (metrics.some((m) => m.valLoss !== null))
    datasets.push(series('validation loss', (m) => m.valLoss, '#ff7f0e', 'loss'));
  canvas.dataset.series = datasets.map((d) => d.label).join(',');
  canvas.dataset.epochs = String(metrics.length);
  return draw(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { stepSize: 1 } },
        y: { title: { display: true, text: 'accuracy' }, ticks: { callback: percentTick } },
        loss: { position: 'right', title: { display: true, text: 'loss' }, grid: { drawOnChartArea: false } },
      },
    },
  });
}

/** B against A by student size: each pair's two configurations at their own parameter counts. */
export function comparisonChart(canvas, comparison) {
  const side = (key, colour, shape) => ({
    type: 'scatter',
    label: comparison[key],
    data: comparison.pairs.map((p) => ({ x: p[key].parameters, y: p[key].accuracy.mean, p })),
    backgroundColor: `${colour}b0`,
    borderColor: colour,
    pointStyle: shape,
    pointRadius: 6,
  });
  canvas.dataset.pairs = String(comparison.pairs.length);
  return draw(canvas, {
    data: {
      datasets: [side('a', colourOf(comparison.a), 'circle'), side('b', colourOf(comparison.b), 'triangle')],
    },
    options: {
      parsing: false,
      scales: {
        x: { type: 'logarithmic', title: { display: true, text: 'parameters (log scale)' } },
        y: { title: { display: true, text: 'test accuracy (mean over seeds)' }, ticks: { callback: percentTick } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label} · ${item.raw.p.context}: ${(item.raw.y * 100).toFixed(2)}%`,
          },
        },
      },
    },
  });
}

/** A legend of the bit-width shapes (Chart.js's legend shows the colours). */
export function shapeLegend(bits) {
  const items = [...new Set(bits)].sort((a, b) => b - a);
  const names = { circle: '●', rectRot: '◆', rect: '■', rectRounded: '▢', triangle: '▲', star: '✶', crossRot: '✕' };
  return items.map((b) => `${names[shapeOf(b)] ?? '?'} ${b === 32 ? 'float32' : `${b}-bit`}`).join('   ');
}
