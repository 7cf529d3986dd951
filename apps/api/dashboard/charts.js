// Charts with Chart.js (served from the project's node_modules at /dashboard/vendor: no CDN).
import { size, sizeTick } from './format.js';

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

/** The axis of sizes in bytes: ticks at powers of two, labelled in B, KB and MB (1 KB = 1024 bytes). */
function sizeAxis(title) {
  return {
    type: 'logarithmic',
    title: { display: true, text: title },
    afterBuildTicks: (axis) => {
      const low = Math.floor(Math.log2(axis.min));
      const high = Math.ceil(Math.log2(axis.max));
      // At most ~10 labels: every power of two on a narrow axis, every other (or fewer) on a wide one.
      const step = Math.max(1, Math.ceil((high - low) / 10));
      const ticks = [];
      for (let k = low; k <= high; k += step) {
        const value = 2 ** k;
        if (value >= axis.min && value <= axis.max) ticks.push({ value });
      }
      axis.ticks = ticks.length > 0 ? ticks : [{ value: axis.min }];
    },
    ticks: { callback: (value) => sizeTick(value), autoSkip: false },
  };
}

/**
 * Under the points: a vertical error bar of ± one sample standard deviation over seeds on every configuration
 * with two or more replicates, and a dotted horizontal line at each teacher's accuracy. Over them: each
 * configuration's n (replicates behind the point). `canvas.dataset.errorBars`, `.nLabels` and `.teacherLines`
 * say how many of each are drawn.
 */
const replicateMarks = {
  id: 'replicateMarks',
  beforeDatasetsDraw(chart) {
    const { ctx, scales, chartArea } = chart;
    let bars = 0;
    let lines = 0;
    ctx.save();
    // A bar can reach past 0% or 100% (few seeds, a wide spread): clip to the plot.
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    ctx.lineWidth = 1;
    chart.data.datasets.forEach((dataset, index) => {
      if (dataset.type !== 'scatter' || !chart.isDatasetVisible(index)) return;
      for (const point of dataset.data) {
        const c = point.c;
        if (dataset.teacher) {
          const y = scales.y.getPixelForValue(c.accuracy.mean);
          ctx.strokeStyle = '#555';
          ctx.setLineDash([2, 3]);
          ctx.beginPath();
          ctx.moveTo(chartArea.left, y);
          ctx.lineTo(chartArea.right, y);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = '#333';
          ctx.font = '11px system-ui, sans-serif';
          ctx.textAlign = 'left';
          ctx.fillText(`teacher ${(c.accuracy.mean * 100).toFixed(2)}%`, chartArea.left + 4, y - 4);
          lines++;
        }
        const std = c?.accuracy?.std;
        if (std === null || std === undefined) continue;
        ctx.strokeStyle = dataset.borderColor;
        const x = scales.x.getPixelForValue(point.x);
        const top = scales.y.getPixelForValue(c.accuracy.mean + std);
        const bottom = scales.y.getPixelForValue(c.accuracy.mean - std);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.moveTo(x - 4, top);
        ctx.lineTo(x + 4, top);
        ctx.moveTo(x - 4, bottom);
        ctx.lineTo(x + 4, bottom);
        ctx.stroke();
        bars++;
      }
    });
    ctx.restore();
    chart.canvas.dataset.errorBars = String(bars);
    chart.canvas.dataset.teacherLines = String(lines);
  },
  afterDatasetsDraw(chart) {
    const { ctx, scales } = chart;
    let labels = 0;
    ctx.save();
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#555';
    ctx.textAlign = 'left';
    chart.data.datasets.forEach((dataset, index) => {
      if (dataset.type !== 'scatter' || !chart.isDatasetVisible(index)) return;
      for (const point of dataset.data) {
        if (!point.c) continue;
        ctx.fillText(`n=${point.c.n}`, scales.x.getPixelForValue(point.x) + 8, scales.y.getPixelForValue(point.y) - 6);
        labels++;
      }
    });
    ctx.restore();
    chart.canvas.dataset.nLabels = String(labels);
  },
};

/** The teacher's point: a filled five-pointed star (Chart.js's own 'star' is four strokes, easy to miss). */
function teacherStar(radius = 12) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = radius * 2 + 2;
  const ctx = canvas.getContext('2d');
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? radius : radius * 0.45;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    ctx.lineTo(radius + 1 + r * Math.cos(angle), radius + 1 + r * Math.sin(angle));
  }
  ctx.closePath();
  ctx.fillStyle = '#ffc83d';
  ctx.fill();
  ctx.strokeStyle = '#222';
  ctx.lineWidth = 1.5;
  ctx.stroke();
  canvas.dataset.shape = 'teacher-star';
  return canvas;
}

/**
 * Accuracy (mean over seeds) against size (log scale, in KB/MB): one colour per activation, one shape per bit
 * width, the teacher as a large star with a dotted line at its accuracy, ± std error bars and n on every
 * configuration, and the Pareto frontier as a staircase through its points. `canvas.dataset.points`,
 * `.frontier` and `.teachers` say how many of each are drawn.
 */
export function accuracySizeChart(canvas, configurations, frontier) {
  const teachers = configurations.filter((c) => c.kind === 'teacher');
  const byActivation = new Map();
  for (const c of configurations) {
    if (c.kind === 'teacher') continue;
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
  if (teachers.length > 0) {
    datasets.push({
      type: 'scatter',
      label: 'teacher',
      teacher: true,
      data: teachers.map(point),
      backgroundColor: '#ffd54a',
      borderColor: '#222',
      borderWidth: 1.5,
      pointStyle: teacherStar(),
      pointRadius: 12,
      pointHoverRadius: 14,
    });
  }
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
  canvas.dataset.teachers = String(teachers.length);
  const spread = (c, sign) => c.accuracy.mean + sign * (c.accuracy.std ?? 0);
  return draw(canvas, {
    data: { datasets },
    plugins: [replicateMarks],
    options: {
      parsing: false,
      scales: {
        x: sizeAxis('size of the weights (log scale)'),
        y: {
          // Room for the error bars, which Chart.js does not count when it fits the axis to the points.
          suggestedMin: Math.max(0, Math.min(...configurations.map((c) => spread(c, -1)))),
          suggestedMax: Math.min(1, Math.max(...configurations.map((c) => spread(c, 1)))),
          title: { display: true, text: 'test accuracy (mean ± std over seeds)' },
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
              return `${c.description}: ${(c.accuracy.mean * 100).toFixed(2)}%${std}${ci} (n=${c.n}), ${size(c.bytes)}`;
            },
          },
        },
      },
    },
  });
}

/** Line colours for overlaid curves, one per run, in the order the runs were ticked. */
const CURVE_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** What an overlay can draw of each run's curve. */
export const CURVE_METRICS = {
  valAccuracy: { label: 'validation accuracy', accuracy: true },
  trainAccuracy: { label: 'train accuracy', accuracy: true },
  valLoss: { label: 'validation loss', accuracy: false },
  trainLoss: { label: 'train loss', accuracy: false },
};

/**
 * Several runs' learning curves overlaid, one metric (`CURVE_METRICS`) by epoch, one line per run:
 * `curves` is `[{ label, metrics }]`. `canvas.dataset.curves` says how many are drawn, `.metric` which metric.
 */
export function overlaidCurvesChart(canvas, curves, metric) {
  const { label, accuracy } = CURVE_METRICS[metric];
  const datasets = curves.map((curve, i) =>
    epochSeries(curve.label, curve.metrics, (m) => m[metric], CURVE_COLOURS[i % CURVE_COLOURS.length]),
  );
  canvas.dataset.curves = String(curves.length);
  canvas.dataset.metric = metric;
  return epochChart(canvas, datasets, {
    y: { title: { display: true, text: label }, ticks: accuracy ? { callback: percentTick } : {} },
  });
}

/** A run's learning curve: accuracies (left axis) and training loss (right axis) by epoch. */
export function learningCurveChart(canvas, metrics) {
  const series = (label, pick, colour, axis = 'y') => epochSeries(label, metrics, pick, colour, { yAxisID: axis });
  const datasets = [series('train accuracy', (m) => m.trainAccuracy, '#1f77b4')];
  if (metrics.some((m) => m.valAccuracy !== null))
    datasets.push(series('validation accuracy', (m) => m.valAccuracy, '#2ca02c'));
  datasets.push(series('train loss', (m) => m.trainLoss, '#d62728', 'loss'));
  if (metrics.some((m) => m.valLoss !== null))
    datasets.push(series('validation loss', (m) => m.valLoss, '#ff7f0e', 'loss'));
  canvas.dataset.series = datasets.map((d) => d.label).join(',');
  canvas.dataset.epochs = String(metrics.length);
  return epochChart(canvas, datasets, {
    y: { title: { display: true, text: 'accuracy' }, ticks: { callback: percentTick } },
    loss: { position: 'right', title: { display: true, text: 'loss' }, grid: { drawOnChartArea: false } },
  });
}

/** One line by epoch, through the epochs where `pick` has a value; `extra` adds to the dataset (its y axis). */
function epochSeries(label, metrics, pick, colour, extra = {}) {
  return {
    label,
    data: metrics.filter((m) => pick(m) !== null).map((m) => ({ x: m.epoch, y: pick(m) })),
    borderColor: colour,
    backgroundColor: colour,
    ...extra,
    tension: 0.2,
  };
}

/** A line chart of `datasets` over whole epochs (x), with the y axes in `scales`. */
function epochChart(canvas, datasets, scales) {
  return draw(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { stepSize: 1 } }, ...scales },
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
