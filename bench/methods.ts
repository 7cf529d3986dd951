/**
 * bench:methods — the compression methods side by side on one Fashion-MNIST teacher, through the product itself:
 * every sweep is a sweep file run by `distillery run` on one embedded store (so the teacher trains once and every
 * later sweep reuses it, as a researcher's would), and every number below is read back with `distillery results
 * --runs --json` and `distillery frontier --json`. Comparisons are paired on seed (same teacher, same data order)
 * with a paired t-test over the seeds.
 *
 * Students: MLP 784-16-16-10 and CNN c4-c8 (BatchNorm), relu and lma-8. Methods: QAT vs Quant-Noise (4 and 2 bits),
 * iPQ, magnitude vs SuRP pruning (90/95/98%, each with an 8-bit PTQ of the pruned model), Structured Multi-Hashing
 * (fraction 0.1/0.05, MLP) vs a dense MLP of about the same parameter count, and — where this build has them —
 * data-free (BN-statistics) vs real-data KD at 4 bits and CREMBO vs KD. A method this build does not have is
 * detected by the dry run's answer and reported as missing, never faked.
 *
 * Run: `npm run bench:methods -- [--rows 20000] [--test 5000] [--epochs 5] [--seeds 3] [--store DIR]
 *       [--out bench/results/methods.md] [--only quant,prune,smh,datafree,crembo] [--quick]`
 * The store (default /tmp/distillery-bench-methods) is kept, so a second invocation reuses every run already
 * trained there and trains only what is new.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  describeSample,
  formatP,
  type ModelSpec,
  type PairedComparison,
  pairedComparison,
  parameterCount,
} from '@distillery/spec';
import { stringify } from 'yaml';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const quick = args.includes('--quick');
const rows = Number(option('rows', quick ? '2000' : '20000'));
const testRows = Number(option('test', quick ? '1000' : '5000'));
const epochs = Number(option('epochs', quick ? '1' : '5'));
const seeds = Array.from({ length: Number(option('seeds', quick ? '2' : '3')) }, (_, i) => i + 1);
const store = option('store', quick ? '/tmp/distillery-bench-methods-quick' : '/tmp/distillery-bench-methods');
const out = option('out', quick ? '/tmp/distillery-methods-quick.md' : 'bench/results/methods.md');
const only = new Set(option('only', 'quant,prune,smh,datafree,crembo').split(','));
const TAG = 'bench-methods';
const BIN = join(import.meta.dirname, '..', 'bin', 'distillery.mjs');

const dataset = { name: 'fashion-mnist', limit: { train: rows, test: testRows }, validation: 0.1 };
const train = {
  epochs,
  batchSize: 64,
  optimizer: { name: 'adam', lr: 0.003 },
  schedule: { name: 'cosine' },
};
/** One teacher for every sweep: the same configuration, so the store trains it once and reuses it. */
const teacher = {
  model: { family: 'mlp', hidden: [512, 512], activation: 'relu', batchNorm: true },
  train: { epochs: Math.max(epochs, 3), batchSize: 64, optimizer: { name: 'adam', lr: 0.002 } },
  seed: 0,
};
const distill = { temperature: 2, alpha: 0.7 };
const MLP: ModelSpec = { family: 'mlp', hidden: [16, 16], activation: 'relu', batchNorm: true };
const CNN = { family: 'cnn', channels: [4, 8], dense: [], kernel: 3, activation: 'relu', batchNorm: true };
const ACTIVATIONS = ['relu', { name: 'lma', segments: 8 }];
const SHAPE = { shape: [28, 28, 1] as [number, number, number], classes: 10 };

/** A sweep over the two activations of `model`, with the sweep's own compression lists. */
function sweep(name: string, model: object, extra: object, grid: object = {}): object {
  return {
    name: `methods-${name}`,
    tags: [TAG],
    dataset,
    teacher,
    students: { model, train, distill, grid: { 'model.activation': ACTIVATIONS, ...grid } },
    ...extra,
    seeds,
    budget: { maxRuns: 1000 },
  };
}

const QUANT = {
  quantize: [
    { method: 'qat', bits: 4 },
    { method: 'qat', bits: 4, noise: 0.5 },
    { method: 'qat', bits: 2 },
    { method: 'qat', bits: 2, noise: 0.5 },
    { method: 'pq', blockSize: 4, centroids: 16 },
  ],
};
const PRUNE = {
  quantize: [{ method: 'ptq', bits: 8 }],
  prune: ['magnitude', 'surp'].flatMap((method) =>
    [0.9, 0.95, 0.98].map((sparsity) => ({ method, sparsity, rounds: 3, retrainEpochs: 1 })),
  ),
};
/** SMH on an MLP 64-64, and the dense MLP w-w whose parameter count is nearest each SMH student's. */
const SMH_BASE = { family: 'mlp', hidden: [64, 64], activation: 'relu', batchNorm: true } satisfies ModelSpec;
const SMH_FRACTIONS = [0.1, 0.05];
function smhParameters(fraction: number): number {
  return parameterCount({ ...SMH_BASE, smh: { fraction } }, SHAPE);
}
function denseWidthFor(parameters: number): number {
  let best = 1;
  for (let w = 1; w <= 64; w++) {
    const p = parameterCount({ ...SMH_BASE, hidden: [w, w] }, SHAPE);
    const q = parameterCount({ ...SMH_BASE, hidden: [best, best] }, SHAPE);
    if (Math.abs(p - parameters) < Math.abs(q - parameters)) best = w;
  }
  return best;
}
/** SMH's two stored matrices quantized like any kernel, so SMH meets the other methods inside the byte budgets. */
const SMH_QUANT = {
  quantize: [
    { method: 'ptq', bits: 8 },
    { method: 'qat', bits: 4 },
  ],
};
const denseWidths = SMH_FRACTIONS.map((f) => denseWidthFor(smhParameters(f)));

const SWEEPS: { group: string; spec: object }[] = [
  { group: 'quant', spec: sweep('quant-mlp', MLP, QUANT) },
  { group: 'quant', spec: sweep('quant-cnn', CNN, QUANT) },
  { group: 'prune', spec: sweep('prune-mlp', MLP, PRUNE) },
  { group: 'prune', spec: sweep('prune-cnn', CNN, PRUNE) },
  {
    group: 'smh',
    spec: sweep('smh', { ...SMH_BASE, smh: { fraction: 0.1 } }, SMH_QUANT, { 'model.smh.fraction': SMH_FRACTIONS }),
  },
  {
    group: 'smh',
    spec: sweep('smh-dense', SMH_BASE, SMH_QUANT, { 'model.hidden': denseWidths.map((w) => [w, w]) }),
  },
  {
    group: 'datafree',
    // Real and BN-statistics students side by side (the real ones are the quant sweep's, reused). Synthesis
    // optimises inputs through the teacher on the reference path: 2,000 samples at 100 steps a batch keep it to
    // minutes here (the method's default is 10,000 at 300).
    spec: {
      ...sweep('datafree-mlp', MLP, { quantize: [{ method: 'qat', bits: 4 }] }),
      students: {
        model: MLP,
        train,
        distill,
        data: { method: 'bns', samples: 2000, steps: 100 },
        grid: { 'model.activation': ACTIVATIONS, 'data.source': ['real', 'synthetic'] },
      },
    },
  },
  {
    group: 'crembo',
    spec: {
      ...sweep('crembo-mlp', MLP, {}),
      students: {
        model: MLP,
        train,
        distill: { method: 'crembo', thresholds: 12 },
        grid: { 'model.activation': ACTIVATIONS },
      },
    },
  },
];

const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
const env = { ...inherited, DISTILLERY_DATA_DIR: store };
function cli(argv: string[], stdio: 'pipe' | 'inherit' = 'pipe'): string {
  return execFileSync(process.execPath, [BIN, ...argv], { env, encoding: 'utf8', stdio, maxBuffer: 1 << 28 }) ?? '';
}

mkdirSync(store, { recursive: true });
const missing: string[] = [];
/** The groups this build accepted (its dry run answered): only they get a section. */
const ran = new Set<string>();
const started = Date.now();
const cpuStart = process.cpuUsage();
for (const { group, spec } of SWEEPS) {
  if (!only.has(group)) continue;
  const file = join(store, `${(spec as { name: string }).name}.yaml`);
  writeFileSync(file, stringify(spec));
  try {
    cli(['run', file, '--dry-run']);
  } catch (error) {
    const text = String((error as { stdout?: string }).stdout ?? '') + String((error as { stderr?: string }).stderr);
    missing.push(`${(spec as { name: string }).name}: ${text.trim().split('\n').slice(0, 3).join(' ')}`);
    console.log(`skipped ${file}: this build refuses it\n${text}`);
    continue;
  }
  ran.add(group);
  console.log(`running ${file}`);
  cli(['run', file], 'inherit');
}
const wallS = (Date.now() - started) / 1000;

interface RunRow {
  runId: string;
  kind: string;
  label: string;
  seed: number;
  accuracy: number;
  bytes: number;
  parameters: number;
  dimensions: Record<string, unknown>;
}
function runRows(): RunRow[] {
  const all: RunRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = JSON.parse(
      cli(['results', '--runs', '--tag', TAG, '--json', '--limit', '1000', '--offset', `${offset}`]),
    );
    all.push(...(page.items as RunRow[]));
    if (all.length >= page.total || page.items.length === 0) return all;
  }
}
const runs = runRows().filter((r) => r.kind !== 'teacher');
const d = (r: RunRow, path: string) => r.dimensions[path] ?? null;
const family = (r: RunRow) =>
  `${d(r, 'model.family')} ${JSON.stringify(d(r, 'model.hidden') ?? d(r, 'model.channels'))}`;

/** What a run is, as a method: the name the tables below use. */
function methodOf(r: RunRow): string {
  const q = d(r, 'quantize.method');
  const pruned = d(r, 'prune.method');
  const smh = d(r, 'model.smh.fraction');
  const source = d(r, 'data.source');
  const distillMethod = d(r, 'distill.method');
  const bits = d(r, 'quantize.bits');
  const parts: string[] = [];
  if (source === 'synthetic') parts.push('data-free');
  if (distillMethod === 'crembo') parts.push('crembo');
  if (smh !== null) parts.push(`smh ${smh}`);
  if (pruned !== null) parts.push(`${pruned} ${d(r, 'prune.sparsity')}`);
  if (q === 'qat') parts.push(d(r, 'quantize.noise') === 0.5 ? `quant-noise ${bits}-bit` : `qat ${bits}-bit`);
  else if (q === 'pq') parts.push(`ipq k=${d(r, 'quantize.centroids')} bs=${d(r, 'quantize.blockSize')}`);
  else if (q === 'ptq') parts.push(`ptq ${bits}-bit`);
  if (parts.length === 0) parts.push('float');
  return parts.join(' + ');
}

/** The method alone, without its setting (sparsity, bits): the rows of the budget table. */
function methodClass(r: RunRow): string {
  const q = d(r, 'quantize.method');
  const parts: string[] = [];
  if (d(r, 'data.source') === 'synthetic') parts.push('data-free');
  if (d(r, 'distill.method') === 'crembo') parts.push('crembo');
  if (d(r, 'model.smh.fraction') !== null) parts.push('smh');
  const pruned = d(r, 'prune.method');
  if (pruned !== null) parts.push(`${pruned} pruning`);
  if (q === 'qat') parts.push(d(r, 'quantize.noise') === 0.5 ? 'quant-noise' : 'qat');
  else if (q === 'pq') parts.push('ipq');
  else if (q === 'ptq') parts.push('ptq');
  return parts.length === 0 ? 'float (KD)' : parts.join(' + ');
}

interface Config {
  method: string;
  methodClass: string;
  family: string;
  activation: string;
  runs: RunRow[];
}
const configs = new Map<string, Config>();
for (const r of runs) {
  const key = `${methodOf(r)}|${family(r)}|${d(r, 'model.activation')}`;
  const c = configs.get(key) ?? {
    method: methodOf(r),
    methodClass: methodClass(r),
    family: family(r),
    activation: String(d(r, 'model.activation')),
    runs: [],
  };
  c.runs.push(r);
  configs.set(key, c);
}
const acc = (c: Config) => describeSample(c.runs.map((r) => r.accuracy));
const meanBytes = (c: Config) => c.runs.reduce((s, r) => s + r.bytes, 0) / c.runs.length;
const pct = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? '–' : (100 * x).toFixed(digits);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/** Pairs of A and B configurations equal but for the method, matched on seed. */
function paired(a: (c: Config) => boolean, b: (c: Config) => boolean, match: (c: Config) => string) {
  const rowsOut: { context: string; a: Config; b: Config; test: PairedComparison }[] = [];
  const all: { a: number; b: number }[] = [];
  for (const ca of [...configs.values()].filter(a)) {
    for (const cb of [...configs.values()].filter(b)) {
      if (match(ca) !== match(cb)) continue;
      const pairs = ca.runs.flatMap((ra) => {
        const rb = cb.runs.find((x) => x.seed === ra.seed);
        // pairedComparison tests a − b; the tables report B − A.
        return rb ? [{ a: rb.accuracy, b: ra.accuracy }] : [];
      });
      all.push(...pairs);
      rowsOut.push({ context: match(ca), a: ca, b: cb, test: pairedComparison(pairs) });
    }
  }
  return { rows: rowsOut, overall: pairedComparison(all) };
}
const sameModel = (c: Config) => `${c.family} ${c.activation}`;

function verdict(t: PairedComparison): string {
  if (t.n < 2 || t.ci95 === null) return `n = ${t.n}: too few pairs`;
  const [lo, hi] = [t.ci95.low, t.ci95.high];
  const p = t.p === null ? '' : `, p ${formatP(t.p)}`;
  if (lo > 0) return `B better (${pct(t.meanDifference)} points${p})`;
  if (hi < 0) return `B worse (${pct(t.meanDifference)} points${p})`;
  return `no detectable difference (${pct(t.meanDifference)} points${p})`;
}
function comparisonTable(title: string, claim: string, result: ReturnType<typeof paired>): string[] {
  const lines = [`### ${title}`, '', `Paper's trend: ${claim}`, ''];
  lines.push('| students | A | B | A acc. % (n) | B acc. % (n) | A bytes | B bytes | B − A points, 95% CI | verdict |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of result.rows) {
    const ci = r.test.ci95 ? `${pct(r.test.meanDifference)} [${pct(r.test.ci95.low)}, ${pct(r.test.ci95.high)}]` : '–';
    lines.push(
      `| ${r.context} | ${r.a.method} | ${r.b.method} | ${pct(acc(r.a).mean)} (${r.a.runs.length}) | ` +
        `${pct(acc(r.b).mean)} (${r.b.runs.length}) | ${kb(meanBytes(r.a))} | ${kb(meanBytes(r.b))} | ${ci} | ${verdict(r.test)} |`,
    );
  }
  const o = result.overall;
  const oci = o.ci95 ? `[${pct(o.ci95.low)}, ${pct(o.ci95.high)}]` : '–';
  lines.push(
    '',
    `All pairs together (n = ${o.n}): B − A = ${pct(o.meanDifference)} points ${oci}: **${verdict(o)}**.`,
    '',
  );
  return lines;
}
const is = (method: string) => (c: Config) => c.method === method;
const startsWith = (prefix: string) => (c: Config) => c.method.startsWith(prefix);

const sections: string[] = [];
if (ran.has('quant')) {
  for (const bits of [4, 2]) {
    sections.push(
      ...comparisonTable(
        `Quant-Noise (p = 0.5) vs plain QAT at ${bits} bits`,
        'at 2–4 bits Quant-Noise with p ≈ 0.1–0.5 beats QAT (p = 1); no gain at 8 bits.',
        paired(is(`qat ${bits}-bit`), is(`quant-noise ${bits}-bit`), sameModel),
      ),
    );
  }
  sections.push(
    ...comparisonTable(
      'iPQ (k = 16, blocks of 4: 1 bit per weight) vs QAT 2-bit',
      'iPQ with its proxy noise reaches the smallest sizes at a small accuracy cost (ranking Quant-Noise > QAT > PTQ at iPQ).',
      paired(is('qat 2-bit'), startsWith('ipq'), sameModel),
    ),
  );
}
if (ran.has('prune')) {
  for (const sparsity of [0.9, 0.95, 0.98]) {
    sections.push(
      ...comparisonTable(
        `SuRP vs magnitude pruning at ${sparsity * 100}% sparsity`,
        'equal to magnitude pruning up to ~90% sparsity; ahead at 95–99%.',
        paired(is(`magnitude ${sparsity}`), is(`surp ${sparsity}`), sameModel),
      ),
    );
  }
}
if (ran.has('smh')) {
  SMH_FRACTIONS.forEach((fraction, i) => {
    const w = denseWidths[i];
    sections.push(
      ...comparisonTable(
        `SMH fraction ${fraction} on MLP 64-64 vs dense MLP ${w}-${w} (${smhParameters(fraction)} vs ${parameterCount(
          { ...SMH_BASE, hidden: [w as number, w as number] },
          SHAPE,
        )} parameters)`,
        'at an equal variable count, wide-SMH beats narrow-dense, increasingly as compression grows.',
        paired(
          (c) => c.method === 'float' && c.family === `mlp [${w},${w}]`,
          is(`smh ${fraction}`),
          (c) => c.activation,
        ),
      ),
    );
  });
}
if (ran.has('datafree')) {
  sections.push(
    ...comparisonTable(
      'Data-free (BN statistics) vs real-data KD, QAT 4-bit',
      'BNS-KD 4-bit students land within a few points of real-data KD.',
      paired(is('qat 4-bit'), is('data-free + qat 4-bit'), sameModel),
    ),
  );
}
if (ran.has('crembo')) {
  sections.push(
    ...comparisonTable(
      'CREMBO vs KD (float students)',
      'on MNIST-scale data roughly equal to KD, with better agreement between seeds.',
      paired(
        (c) => c.method === 'float' && (c.family === 'mlp [16,16]' || c.family.startsWith('cnn')),
        is('crembo'),
        sameModel,
      ),
    ),
  );
}

const BUDGETS = [1536, 3072, 8192];
const budgetLines = [
  `| method | ${BUDGETS.map((b) => `≤ ${kb(b)}`).join(' | ')} |`,
  `| --- |${BUDGETS.map(() => ' --- |').join('')}`,
];
const methodNames = [...new Set([...configs.values()].map((c) => c.methodClass))].sort();
for (const name of methodNames) {
  const cells = BUDGETS.map((budget) => {
    const fits = [...configs.values()].filter((c) => c.methodClass === name && meanBytes(c) <= budget);
    if (fits.length === 0) return '–';
    const best = fits.reduce((x, y) => ((acc(y).mean ?? 0) > (acc(x).mean ?? 0) ? y : x));
    const s = acc(best);
    return `${pct(s.mean)} ± ${pct(s.std)} (${best.family} ${best.activation}, ${best.method}, ${kb(meanBytes(best))}, n=${best.runs.length})`;
  });
  budgetLines.push(`| ${name} | ${cells.join(' | ')} |`);
}

interface FrontierPoint {
  description: string;
  n: number;
  bytes: number;
  accuracy: { mean: number };
}
const frontier = JSON.parse(
  cli(['frontier', '--tag', TAG, '--kind', 'student,quantize-ptq,quantize-qat,prune', '--json']),
) as {
  datasets: { points: FrontierPoint[] }[];
};
const points = frontier.datasets.flatMap((x) => x.points);

const cpu = process.cpuUsage(cpuStart);
const report = [
  '# bench:methods — compression methods on one Fashion-MNIST teacher',
  '',
  `Command: \`npm run bench:methods -- ${args.join(' ')}\` · ${new Date().toISOString()} · ${cpus()[0]?.model} ×${cpus().length} · ` +
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  `Data: Fashion-MNIST, ${rows} training rows (10% of them validation), ${testRows} test rows; students ${epochs} epochs, ` +
    `Adam 0.003 cosine, batch 64, KD T = 2, α = 0.7; seeds ${seeds.join(', ')}; teacher MLP 512-512 BN relu.`,
  `Sweeps run (wall ${wallS.toFixed(0)} s for what was not already in the store; this driver's own CPU ${(cpu.user / 1e6).toFixed(0)} s — the training CPU is in the child processes).`,
  `Results: ${runs.length} student runs, ${configs.size} configurations. Sizes are the packed artifacts' bytes; accuracy is on the real test split.`,
  ...(missing.length > 0
    ? ['', 'Refused by this build (not run, not reported):', ...missing.map((m) => `- ${m}`)]
    : []),
  '',
  '## Paired comparisons (B − A, paired on seed)',
  '',
  ...sections,
  '## Best accuracy within a byte budget (mean ± std over seeds, test %)',
  '',
  ...budgetLines,
  '',
  '## Accuracy-vs-bytes frontier over all methods',
  '',
  '| configuration | n | bytes | accuracy % |',
  '| --- | --- | --- | --- |',
  ...points.map((p) => `| ${p.description} | ${p.n} | ${Math.round(p.bytes)} | ${pct(p.accuracy.mean)} |`),
  '',
  '## All configurations',
  '',
  '| method | students | activation | n | accuracy % mean ± std | 95% CI | bytes |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...[...configs.values()]
    .sort((x, y) => meanBytes(x) - meanBytes(y))
    .map((c) => {
      const s = acc(c);
      const ci = s.ci95 ? `[${pct(s.ci95.low)}, ${pct(s.ci95.high)}]` : '–';
      return `| ${c.method} | ${c.family} | ${c.activation} | ${c.runs.length} | ${pct(s.mean)} ± ${pct(s.std)} | ${ci} | ${Math.round(meanBytes(c))} |`;
    }),
  '',
];
writeFileSync(out, report.join('\n'));
console.log(`wrote ${out}`);
