/**
 * bench:crembo — CREMBO against KD on one Fashion-MNIST teacher, through the product: one sweep file whose grid
 * varies `distill.method` (kd, crembo) over one small student, run by `distillery run` on an embedded store, and
 * read back with `distillery results --json` (accuracy mean ± std and the seeds' agreement per configuration),
 * `distillery compare kd crembo --dimension distill.method --json` (the paired test) and the stored artifacts'
 * CREMBO metadata (which threshold each run's search kept). The question: is CREMBO's student as accurate as KD's
 * and more robust to its seed (a higher agreement between seeds on the test examples)?
 *
 * Run: `npm run bench:crembo -- [--rows 5000] [--test 2000] [--epochs 3] [--seeds 3] [--thresholds 12]
 *       [--store DIR] [--out bench/results/crembo.md]`
 * The store (default /tmp/distillery-bench-crembo) is kept: a second invocation reuses every run trained there.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const rows = Number(option('rows', '5000'));
const testRows = Number(option('test', '2000'));
const epochs = Number(option('epochs', '3'));
const seeds = Array.from({ length: Number(option('seeds', '3')) }, (_, i) => i + 1);
const thresholds = Number(option('thresholds', '12'));
const store = option('store', '/tmp/distillery-bench-crembo');
const out = option('out', 'bench/results/crembo.md');
const BIN = join(import.meta.dirname, '..', 'bin', 'distillery.mjs');
const NAME = `crembo-vs-kd-${rows}-${epochs}-${thresholds}`;

const student = { family: 'mlp', hidden: [16, 16], activation: 'relu', batchNorm: true };
const spec = {
  name: NAME,
  dataset: { name: 'fashion-mnist', limit: { train: rows, test: testRows }, validation: 0.1 },
  teacher: {
    model: { family: 'mlp', hidden: [256, 256], activation: 'relu', batchNorm: true },
    train: { epochs: Math.max(epochs, 3), batchSize: 64, optimizer: { name: 'adam', lr: 0.002 } },
    seed: 0,
  },
  students: {
    model: student,
    train: { epochs, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } },
    // The base is CREMBO; the grid's kd point starts from KD's defaults (T = 2, α = 0.7).
    distill: { method: 'crembo', thresholds },
    grid: { 'distill.method': ['kd', 'crembo'] },
  },
  seeds,
};

const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
const env = { ...inherited, DISTILLERY_DATA_DIR: store };
const cli = (argv: string[], stdio: 'pipe' | 'inherit' = 'pipe') =>
  execFileSync(process.execPath, [BIN, ...argv], { env, encoding: 'utf8', stdio, maxBuffer: 1 << 28 }) ?? '';

mkdirSync(store, { recursive: true });
const file = join(store, `${NAME}.yaml`);
writeFileSync(file, stringify(spec));
const load = [loadavg()];
const started = Date.now();
cli(['run', file], 'inherit');
const wallS = (Date.now() - started) / 1000;
load.push(loadavg());

interface Configuration {
  label: string;
  kind: string;
  n: number;
  runIds: string[];
  accuracy: { mean: number; std: number | null };
  agreement: { value: number | null; pairs: number };
  dimensions: Record<string, unknown>;
}
const results = JSON.parse(cli(['results', '--sweep', NAME, '--kind', 'student', '--json'])) as {
  items: Configuration[];
};
const comparison = JSON.parse(
  cli(['compare', 'kd', 'crembo', '--dimension', 'distill.method', '--sweep', NAME, '--json']),
) as {
  strata: { label: string; verdict: string; test: { n: number; meanDifference: number | null } }[];
};
interface CremboFacts {
  grid: number[];
  memo: number | null;
  selected: number;
  depth: number;
  trainings: { index: number; consistent: boolean; violations: number; valAccuracy: number }[];
}
const crembo = results.items.find((c) => c.dimensions['distill.method'] === 'crembo');
const searches = (crembo?.runIds ?? []).map((id) => {
  const dir = join(store, `model-${id}`);
  cli(['model', 'download', id, '--format', 'packed', '--out', dir]);
  const json = JSON.parse(readFileSync(join(dir, 'packed.json'), 'utf8')) as {
    metadata: { crembo: CremboFacts };
  };
  return { id, ...json.metadata.crembo };
});

const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(2));
const lines = [
  '# CREMBO against KD (bench/crembo.ts)',
  '',
  `Measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ` +
    `${load.map((l) => l.map((v) => v.toFixed(1)).join('/')).join(' → ')} (1/5/15 min, before → after), ` +
    `${wallS.toFixed(0)} s wall for the sweep (runs reused from an earlier invocation cost nothing).`,
  '',
  `Command: \`npm run bench:crembo -- --rows ${rows} --test ${testRows} --epochs ${epochs} --seeds ${seeds.length} ` +
    `--thresholds ${thresholds}\`. Fashion-MNIST, ${rows} training rows (10% held out for validation), ` +
    `${testRows} test rows; teacher MLP 784-256-256-10 BN; student MLP 784-16-16-10 BN relu, ${epochs} epochs ` +
    `(CREMBO: per threshold), seeds ${seeds.join(', ')}.`,
  '',
  '| distillation | n | test accuracy % (mean ± std) | agreement between seeds % (pairs) |',
  '|---|---|---|---|',
  ...results.items.map(
    (c) =>
      `| ${c.dimensions['distill.method']}${c.dimensions['distill.method'] === 'crembo' ? ` (${c.dimensions['distill.thresholds']} thresholds)` : ' (T = 2, α = 0.7)'} | ${c.n} | ` +
      `${pct(c.accuracy.mean)} ± ${c.accuracy.std === null ? '–' : (100 * c.accuracy.std).toFixed(2)} | ` +
      `${pct(c.agreement.value)} (${c.agreement.pairs}) |`,
  ),
  '',
  'Paired on seed (`distillery compare kd crembo --dimension distill.method`):',
  '',
  ...comparison.strata.map(
    (s) =>
      `- ${s.label}: CREMBO − KD ${s.test.meanDifference === null ? '–' : (100 * s.test.meanDifference).toFixed(2)} points, ` +
      `n = ${s.test.n}, ${s.verdict}`,
  ),
  '',
  "CREMBO's searches (grid of depths, MEMO's index, the kept index and depth, trainings: index consistent/violations val %):",
  '',
  ...searches.map(
    (s) =>
      `- ${s.id.slice(0, 8)}: grid [${s.grid.map((g) => g.toFixed(3)).join(', ')}], memo ${s.memo ?? 'none'}, ` +
      `kept #${s.selected} (d = ${s.depth.toFixed(3)}); ` +
      s.trainings.map((t) => `#${t.index} ${t.consistent ? 'c' : `${t.violations}✗`} ${pct(t.valAccuracy)}`).join(', '),
  ),
  '',
];
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
