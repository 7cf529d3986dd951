/**
 * bench:lma — does LMA beat ReLU for tiny KD students on Fashion-MNIST, and which LMA statistics mode should be
 * the default? The paper's recipe (Xu et al., AAAI 2020, and its official code): SGD lr 0.01 momentum 0.9, the
 * rate halved on plateau, weight decay 2.2e-4 on every parameter (the official code's scope), batch 64, KD α 0.7
 * T 2; baselines as the official code builds them (PReLU one slope per layer, Swish β per unit, APLU random
 * init). Every student is also quantized after training (PTQ 8 and 4 bits, every weight tensor quantized).
 *
 * The design is paired: one seed gives every activation the same initial kernels (seeded by layer name) and the
 * same data order, so comparisons are on the per-seed differences (paired t-test, 95% CI), not on two
 * independent means. The three LMA statistics modes also train identically (the plateau schedule observes the
 * training loss, which uses batch statistics), so their differences are the inference effect alone.
 *
 * Grid: MLP 784-8-8-10 with every activation, CNN c4-c8 with ReLU and the three LMA modes, all with BatchNorm and
 * KD; without KD (filling the time the teacher trains): MLP ReLU and LMA, and the MLP without BatchNorm with ReLU
 * and the three LMA modes. Jobs run on `--jobs` worker processes
 * (tfjs-wasm is single-threaded), in seed order, so a run cut by `--budget-min` loses the last seeds first.
 *
 * Run: `npm run bench:lma -- [--rows 20000] [--epochs 4] [--test 10000] [--seeds 5] [--jobs 2] [--budget-min 40]
 *       [--out bench/results/lma.md] [--resume earlier-runs.jsonl] [--groups 'name,…'] [--activations 'label,…']
 *       [--ptq-keep-float none|all-but-kernels|…] [--quick]`
 * (--quick: 1,000 rows, 1 epoch, 2 seeds, a smoke test; --resume keeps the results of an earlier run with the same
 * settings and runs only the missing jobs; --groups and --activations run only part of the grid.)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeRun, initBackend, type ModelArtifact } from '@distillery/ml';
import {
  type ActivationSpec,
  canonicalHash,
  comparisonVerdict,
  type DatasetSpec,
  DEFAULT_LMA_STATISTICS,
  describeSample,
  formatP,
  KeepFloat,
  type ModelSpec,
  pairedComparison,
  type TrainingRunConfig,
  type TrainSpec,
} from '@distillery/spec';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const quick = flag('quick');
const rows = Number(option('rows', quick ? '1000' : '20000'));
const epochs = Number(option('epochs', quick ? '1' : '4'));
const seedCount = Number(option('seeds', quick ? '2' : '5'));
const jobsWanted = Number(option('jobs', '2'));
const budgetMin = Number(option('budget-min', '40'));
const testRows = Number(option('test', quick ? '1000' : '10000'));
const out = option('out', quick ? join(tmpdir(), 'distillery-lma-quick.md') : 'bench/results/lma.md');
/** Only the jobs of these groups (comma-separated names of SIZES); all when empty. */
const onlyGroups = option('groups', '')
  .split(',')
  .map((g) => g.trim())
  .filter(Boolean);
/** JSON lines of an earlier run: results with the same settings are kept, not run again (runs are deterministic). */
const resumeFrom = option('resume', '');

const dataset: DatasetSpec = { name: 'fashion-mnist', limit: { train: rows, test: testRows } };
/** The paper's recipe. No validation hold-out: the plateau is on the training loss (see the header). */
const studentTrain: TrainSpec = {
  epochs,
  batchSize: 64,
  optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 2.2e-4, weightDecayOn: 'all' },
  schedule: { name: 'plateau', patience: 1, factor: 0.5 },
};
const teacherSpec: ModelSpec = { family: 'cnn', channels: [16, 32], dense: [128], activation: 'relu', batchNorm: true };
const teacherTrain: TrainSpec = {
  epochs: quick ? 1 : 2,
  batchSize: 64,
  optimizer: { name: 'adam', lr: 0.002 },
  schedule: { name: 'cosine' },
};
const KD = { temperature: 2, alpha: 0.7 } as const;
/**
 * Which tensors PTQ leaves in float (`--ptq-keep-float`): by default `none`, every trainable tensor quantized, so
 * the bytes and the accuracy loss are those of a fully quantized student.
 */
const ptqKeepFloat = KeepFloat.parse(option('ptq-keep-float', 'none'));
const quantize = (bits: 4 | 8) => ({ method: 'ptq', bits, bucketSize: 256, keepFloat: ptqKeepFloat }) as const;
/** Only these activations (labels of ACTIVATIONS, comma-separated); all when empty. */
const onlyActivations = option('activations', '')
  .split(',')
  .map((a) => a.trim())
  .filter(Boolean);

const lma = (statistics: 'moving-average' | 'bias-corrected' | 'recalibrate'): ActivationSpec => ({
  name: 'lma',
  segments: 8,
  statistics,
});
/** Label → activation. The baselines are the official code's variants. */
const ACTIVATIONS: Record<string, ActivationSpec> = {
  relu: 'relu',
  'prelu (1/layer)': { name: 'prelu', slopes: 'layer' },
  'swish (β/unit)': { name: 'swish', beta: 'unit' },
  'aplu-8 (random)': { name: 'aplu', segments: 8, init: 'random' },
  'lma-8 moving-average': lma('moving-average'),
  'lma-8 bias-corrected': lma('bias-corrected'),
  'lma-8 recalibrate': lma('recalibrate'),
};
const LMA_MODES = ['lma-8 moving-average', 'lma-8 bias-corrected', 'lma-8 recalibrate'] as const;
/** The quickstart's student training (examples/quickstart.yaml): 2 epochs of 5,400 MNIST rows = 170 steps. */
const QUICKSTART_DATA: DatasetSpec = { name: 'mnist', limit: { train: 6000, test: 1000 }, validation: 0.1 };
const QUICKSTART_TRAIN: TrainSpec = { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } };
interface Size {
  model: (a: ActivationSpec) => ModelSpec;
  /** Activations trained with KD, and without. */
  activations: string[];
  noKd: string[];
  /** Data and training other than the bench's own (the short quickstart runs). */
  dataset?: DatasetSpec;
  train?: TrainSpec;
}
const SIZES: Record<string, Size> = {
  'MLP 784-8-8-10': {
    model: (a) => ({ family: 'mlp', hidden: [8, 8], activation: a, batchNorm: true }),
    activations: Object.keys(ACTIVATIONS),
    noKd: ['relu', 'lma-8 recalibrate'],
  },
  'CNN c4-c8': {
    model: (a) => ({ family: 'cnn', channels: [4, 8], dense: [], activation: a, batchNorm: true }),
    activations: ['relu', ...LMA_MODES],
    noKd: [],
  },
  // Without BatchNorm LMA's input statistics are far from the moving averages' start (μ 0, σ 1): where the
  // statistics mode should matter most (the quickstart trained its students so before).
  'MLP 784-8-8-10 no BN': {
    model: (a) => ({ family: 'mlp', hidden: [8, 8], activation: a, batchNorm: false }),
    activations: [],
    noKd: ['relu', ...LMA_MODES],
  },
  // The quickstart's students, with and without BatchNorm: 170 steps leave 0.99^170 ≈ 18% of the start in the
  // moving averages, the short-run case the bias correction and the recalibration are for.
  'quickstart MLP 784-16-10': {
    model: (a) => ({ family: 'mlp', hidden: [16], activation: a, batchNorm: true }),
    activations: [],
    noKd: ['relu', ...LMA_MODES],
    dataset: QUICKSTART_DATA,
    train: QUICKSTART_TRAIN,
  },
  'quickstart MLP 784-16-10 no BN': {
    model: (a) => ({ family: 'mlp', hidden: [16], activation: a, batchNorm: false }),
    activations: [],
    noKd: ['relu', ...LMA_MODES],
    dataset: QUICKSTART_DATA,
    train: QUICKSTART_TRAIN,
  },
};

interface Job {
  id: string;
  size: string;
  activation: string;
  kd: boolean;
  seed: number;
}
interface Result extends Job {
  /** Hash of everything but the job itself: results of other settings are never mixed in by --resume. */
  settings: string;
  accuracy: number;
  bytes: number;
  parameters: number;
  ptq: Record<'8' | '4', { accuracy: number; bytes: number }>;
  seconds: number;
}
/** The teacher of a run, kept in the raw results so a resumed run whose KD jobs are all done needs no teacher. */
interface TeacherRecord {
  record: 'teacher';
  settings: string;
  accuracy: number;
  parameters: number;
  seconds: number;
}
/** `keepFloat: none` stays out of the hash, so the results recorded before the option existed keep theirs. */
const settings = canonicalHash({
  dataset,
  studentTrain,
  teacherSpec,
  teacherTrain,
  KD,
  ...(ptqKeepFloat === 'none' ? {} : { ptqKeepFloat }),
}).slice(0, 16);

function configOf(job: Job): TrainingRunConfig {
  const size = SIZES[job.size];
  const activation = ACTIVATIONS[job.activation];
  if (!size || !activation) throw new Error(`unknown job ${job.id}`);
  const common = {
    dataset: size.dataset ?? dataset,
    model: size.model(activation),
    train: size.train ?? studentTrain,
    seed: job.seed,
    quantize: null,
  };
  // No KD is plain cross-entropy: run as kind teacher, which needs no parent (a student run with α 0 trains
  // identically but requires the teacher's artifact), so these jobs run while the teacher trains.
  return job.kd ? { ...common, kind: 'student', distill: KD } : { ...common, kind: 'teacher', distill: null };
}

async function runJob(job: Job, teacher: ModelArtifact | null): Promise<Result> {
  const started = performance.now();
  const config = configOf(job);
  if (job.kd && !teacher) throw new Error(`${job.id} needs the teacher`);
  const outcome = await executeRun({ config, ...(job.kd && teacher ? { parent: teacher } : {}) });
  const ptq = {} as Result['ptq'];
  for (const bits of [8, 4] as const) {
    const q = await executeRun({
      config: { ...config, kind: 'quantize-ptq', train: null, quantize: quantize(bits) },
      parent: outcome.artifact,
    });
    ptq[bits] = { accuracy: q.accuracy, bytes: q.bytes };
  }
  return {
    ...job,
    settings,
    accuracy: outcome.accuracy,
    bytes: outcome.bytes,
    parameters: outcome.parameters,
    ptq,
    seconds: (performance.now() - started) / 1000,
  };
}

function readArtifact(dir: string): ModelArtifact {
  return {
    files: ['model.json', 'weights.bin'].map((name) => ({
      name,
      contentType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      data: new Uint8Array(readFileSync(join(dir, name))),
    })),
  };
}

function allJobs(): Job[] {
  const noKd: Job[] = [];
  const kd: Job[] = [];
  for (let seed = 1; seed <= seedCount; seed++) {
    // CNNs first within a seed: the long jobs start early, the short ones fill the gaps.
    for (const size of Object.keys(SIZES).sort()) {
      const spec = SIZES[size] as (typeof SIZES)[string];
      for (const activation of spec.activations) {
        kd.push({ id: `${size} ${activation} kd s${seed}`, size, activation, kd: true, seed });
      }
      for (const activation of spec.noKd) {
        noKd.push({ id: `${size} ${activation} no-kd s${seed}`, size, activation, kd: false, seed });
      }
    }
  }
  return [...noKd, ...kd];
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm', () => {});
  const startedAt = new Date();
  const started = performance.now();
  const loadBefore = loadavg();
  const records = resumeFrom
    ? readFileSync(resumeFrom, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Result | TeacherRecord)
        .filter((r) => r.settings === settings)
    : [];
  const earlier = records.filter((r): r is Result => !('record' in r));
  const earlierTeacher = records.find((r): r is TeacherRecord => 'record' in r) ?? null;
  const done = new Set(earlier.map((r) => r.id));
  const jobs = allJobs().filter(
    (j) =>
      !done.has(j.id) &&
      (onlyGroups.length === 0 || onlyGroups.includes(j.size)) &&
      (onlyActivations.length === 0 || onlyActivations.includes(j.activation)),
  );

  const jsonl = `${out.replace(/\.md$/, '')}-runs.jsonl`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(jsonl, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const results: Result[] = [...earlier];
  const errors: string[] = [];
  const deadline = started + budgetMin * 60_000;
  const queue = [...jobs];
  const dir = mkdtempSync(join(tmpdir(), 'distillery-lma-'));
  let teacherReady = false;
  const parked: Array<() => void> = [];
  const self = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: Math.min(jobsWanted, jobs.length) }, () =>
    fork(self, ['--worker', ...args.filter((a) => a !== '--worker')], { stdio: 'inherit' }),
  );
  const working = Promise.all(
    workers.map(
      (worker: ChildProcess) =>
        new Promise<void>((resolve) => {
          const next = () => {
            const job = performance.now() < deadline ? queue[0] : undefined;
            if (!job) {
              worker.send({ done: true });
              resolve();
              return;
            }
            if (job.kd && !teacherReady) {
              parked.push(next); // the teacher is still training: wait for it
              return;
            }
            queue.shift();
            worker.send({ job, ...(job.kd ? { teacher: dir } : {}) });
          };
          worker.on('message', (m: { ready?: boolean; result?: Result; error?: string }) => {
            if (m.result) {
              results.push(m.result);
              appendFileSync(jsonl, `${JSON.stringify(m.result)}\n`);
              const r = m.result;
              console.log(
                `[${((performance.now() - started) / 60_000).toFixed(1)} min] ${r.id}: ${pct(r.accuracy)}, ptq-8 ${pct(r.ptq[8].accuracy)}, ptq-4 ${pct(r.ptq[4].accuracy)} (${r.seconds.toFixed(0)} s)`,
              );
            }
            if (m.error) {
              errors.push(m.error);
              console.error(m.error);
            }
            next();
          });
          worker.on('exit', () => resolve());
        }),
    ),
  );

  const teacherRecord = jobs.some((j) => j.kd) ? await trainTeacher(dir, started, jsonl) : earlierTeacher;
  teacherReady = true;
  for (const resume of parked.splice(0)) resume();
  await working;
  rmSync(dir, { recursive: true, force: true });
  const report = renderReport({
    backend,
    startedAt,
    minutes: (performance.now() - started) / 60_000,
    loadBefore,
    loadAfter: loadavg(),
    teacher: teacherRecord,
    results,
    skipped: queue.map((j) => j.id),
    errors,
    jsonl,
    workers: workers.length,
    resumed: earlier.length,
  });
  writeFileSync(out, report);
  console.log(`\n${report}\nwritten to ${out} and ${jsonl}`);
}

/** Trains the teacher into `dir` (for the workers) and records it in the raw results. */
async function trainTeacher(dir: string, started: number, jsonl: string): Promise<TeacherRecord> {
  console.log(`teacher: CNN ${JSON.stringify(teacherSpec)} on ${rows} rows, ${teacherTrain.epochs} epochs`);
  const teacher = await executeRun({
    config: {
      kind: 'teacher',
      dataset,
      model: teacherSpec,
      train: teacherTrain,
      seed: 0,
      distill: null,
      quantize: null,
    },
    onEpoch: (m) =>
      console.log(`  teacher epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}, ${m.seconds.toFixed(0)} s`),
  });
  const teacherSeconds = (performance.now() - started) / 1000;
  console.log(`teacher: ${pct(teacher.accuracy)} in ${teacherSeconds.toFixed(0)} s`);
  for (const f of teacher.artifact.files) writeFileSync(join(dir, f.name), f.data);
  const record: TeacherRecord = {
    record: 'teacher',
    settings,
    accuracy: teacher.accuracy,
    parameters: teacher.parameters,
    seconds: teacherSeconds,
  };
  appendFileSync(jsonl, `${JSON.stringify(record)}\n`);
  return record;
}

function pct(x: number | undefined): string {
  return x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;
}

type Metric = 'fp32' | 'ptq-8' | 'ptq-4';
const METRICS: Metric[] = ['fp32', 'ptq-8', 'ptq-4'];
function metricOf(r: Result, m: Metric): number {
  return m === 'fp32' ? r.accuracy : r.ptq[m === 'ptq-8' ? '8' : '4'].accuracy;
}

/** `mean ± std [CI low, high] (n)` in %, from describeSample. */
function sampleCell(xs: number[]): string {
  if (xs.length === 0) return '–';
  const s = describeSample(xs.map((x) => x * 100));
  const ci = s.ci95 ? ` [${s.ci95.low.toFixed(2)}, ${s.ci95.high.toFixed(2)}]` : '';
  return `${s.mean.toFixed(2)} ± ${(s.std ?? 0).toFixed(2)}${ci}`;
}

/** One paired row: a − b over the seeds both have, in percentage points. */
function pairedRow(label: string, a: Result[], b: Result[], m: Metric, names: { a: string; b: string }): string {
  const bySeed = new Map(b.map((r) => [r.seed, r]));
  const pairs = a.flatMap((r) => {
    const other = bySeed.get(r.seed);
    return other ? [{ a: metricOf(r, m) * 100, b: metricOf(other, m) * 100 }] : [];
  });
  const c = pairedComparison(pairs);
  const d = c.meanDifference;
  const diff = d === null ? '–' : `${d >= 0 ? '+' : ''}${d.toFixed(2)}`;
  const ci = c.ci95 ? `[${c.ci95.low.toFixed(2)}, ${c.ci95.high.toFixed(2)}]` : '–';
  const p = c.p === null ? '–' : formatP(c.p).replace(/^= /, '');
  return `| ${label} | ${m} | ${diff} | ${ci} | ${p} | ${c.n} | ${comparisonVerdict(c, names)} |`;
}

function renderReport(r: {
  backend: string;
  startedAt: Date;
  minutes: number;
  loadBefore: number[];
  loadAfter: number[];
  /** Null when no job needed one (a `--groups` run without KD jobs, resumed without a teacher record). */
  teacher: { accuracy: number; parameters: number; seconds: number } | null;
  results: Result[];
  skipped: string[];
  errors: string[];
  jsonl: string;
  workers: number;
  resumed: number;
}): string {
  const of = (size: string, activation: string, kd = true) =>
    r.results.filter((x) => x.size === size && x.activation === activation && x.kd === kd);
  const lines: string[] = [];
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join('/');
  lines.push('# bench:lma — LMA vs ReLU (and the official baselines) for tiny KD students on Fashion-MNIST', '');
  lines.push(`- Command: \`npm run bench:lma${args.length ? ` -- ${args.join(' ')}` : ''}\``);
  lines.push(
    `- Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, tfjs ${r.backend} (single-threaded), ${r.workers} worker processes at nice 10; load average ${load(r.loadBefore)} at start, ${load(r.loadAfter)} at end (shared with other agents).`,
  );
  lines.push(`- Date: ${r.startedAt.toISOString()}; wall time ${r.minutes.toFixed(1)} min.`);
  lines.push(
    `- Data: fashion-mnist (packages/ml's seeded 60,000/10,000 split), first ${rows.toLocaleString('en')} training rows (no validation hold-out), first ${testRows.toLocaleString('en')} test rows.`,
  );
  const t = r.teacher;
  lines.push(
    `- Teacher: CNN conv16-BN-relu-pool-conv32-BN-relu-pool-fc128-BN-relu-fc10, Adam 0.002 cosine, ${teacherTrain.epochs} epochs, seed 0: ${t ? `**${pct(t.accuracy)}**, ${t.parameters.toLocaleString('en')} parameters (trained in ${t.seconds.toFixed(0)} s)` : 'not trained (no KD job)'}.`,
  );
  lines.push(
    `- Students (the paper's recipe): dense/conv → BatchNorm → activation (the \`no BN\` groups without BatchNorm); SGD lr 0.01 momentum 0.9, halved when the training loss does not improve for an epoch (plateau, patience 1), weight decay 2.2e-4 on every parameter (\`weightDecayOn: all\`, LMA's slopes towards their ReLU-like start), batch 64, ${epochs} epochs; KD α 0.7, T 2; seeds 1–${seedCount}. Baselines as the official code: PReLU one slope per layer (init 0.25), Swish one β per unit (init 1), APLU-8 random init (a ~ U(−0.5, 0.5), b ~ N(0, 0.5²)).`,
  );
  lines.push(
    `- Quickstart groups: the quickstart's students (examples/quickstart.yaml: MNIST, 6,000 rows with 10% held out, 1,000 test rows, Adam 0.001, 2 epochs = 170 steps, constant rate), without KD, with and without BatchNorm.`,
  );
  lines.push(
    ptqKeepFloat === 'none'
      ? '- PTQ: uniform min–max per bucket of 256 over **every trainable tensor** (`keepFloat: none`: kernels, biases, BatchNorm γ/β and the activations’ own parameters, LMA’s α/β included); running statistics stay float. LMA with `recalibrate` recalibrates after quantizing.'
      : `- PTQ: uniform min–max per bucket of 256, \`keepFloat: ${JSON.stringify(ptqKeepFloat)}\`; running statistics stay float. LMA with \`recalibrate\` recalibrates after quantizing.`,
  );
  lines.push(
    '- Statistics: mean ± sample std [95% CI, Student t] over seeds, in %. Comparisons are paired on seed (same initial kernels and data order): mean of the per-seed differences a − b in percentage points, its 95% CI, the two-sided paired t-test p, n pairs (packages/spec `pairedComparison`, `comparisonVerdict`).',
  );
  if (r.resumed) lines.push(`- Resumed: ${r.resumed} results kept from \`${resumeFrom}\` (same settings ${settings}).`);
  if (r.skipped.length) lines.push(`- **Not run (budget of ${budgetMin} min reached):** ${r.skipped.join('; ')}.`);
  if (r.errors.length) lines.push(`- **Errors:** ${r.errors.map((e) => e.split('\n')[0]).join('; ')}`);
  lines.push(`- Raw results (one line per student, with its PTQ variants): \`${r.jsonl}\`.`, '');

  /** (size, KD or not) groups with their activations, in the grid's order. */
  const groups = Object.entries(SIZES).flatMap(([size, spec]) => [
    ...(spec.activations.length ? [{ size, kd: true, activations: spec.activations }] : []),
    ...(spec.noKd.length ? [{ size, kd: false, activations: spec.noKd }] : []),
  ]);
  const groupLabel = (g: { size: string; kd: boolean }) => `${g.size}${g.kd ? '' : ', no KD'}`;
  lines.push('## Accuracy', '');
  lines.push('| student | activation | params | fp32 B | fp32 % | PTQ-8 % | PTQ-4 % | PTQ-4 B | n |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const g of groups) {
    for (const activation of g.activations) {
      const rs = of(g.size, activation, g.kd);
      if (!rs.length) continue;
      const first = rs[0] as Result;
      const cells = METRICS.map((m) => sampleCell(rs.map((x) => metricOf(x, m))));
      lines.push(
        `| ${groupLabel(g)} | ${activation} | ${first.parameters} | ${first.bytes} | ${cells.join(' | ')} | ${first.ptq[4].bytes} | ${rs.length} |`,
      );
    }
  }
  const header = [
    '| comparison | accuracy | mean diff (pp) | 95% CI | p | n | verdict |',
    '|---|---|---|---|---|---|---|',
  ];
  lines.push('', '## LMA-8 − ReLU, paired on seed', '', ...header);
  for (const g of groups) {
    if (!g.activations.includes('relu')) continue;
    for (const mode of LMA_MODES) {
      if (!g.activations.includes(mode)) continue;
      for (const m of METRICS) {
        const label = `${groupLabel(g)}: ${mode} − relu`;
        lines.push(pairedRow(label, of(g.size, mode, g.kd), of(g.size, 'relu', g.kd), m, { a: 'LMA', b: 'ReLU' }));
      }
    }
  }
  lines.push('', '## LMA statistics modes, paired on seed (same trained weights, different inference μ/σ)', '');
  lines.push(...header);
  const modePairs: Array<[string, string]> = [
    ['lma-8 recalibrate', 'lma-8 moving-average'],
    ['lma-8 bias-corrected', 'lma-8 moving-average'],
    ['lma-8 recalibrate', 'lma-8 bias-corrected'],
  ];
  for (const g of groups) {
    for (const [a, b] of modePairs) {
      if (!g.activations.includes(a) || !g.activations.includes(b)) continue;
      for (const m of METRICS) {
        const names = { a: a.replace('lma-8 ', ''), b: b.replace('lma-8 ', '') };
        const label = `${groupLabel(g)}: ${names.a} − ${names.b}`;
        lines.push(pairedRow(label, of(g.size, a, g.kd), of(g.size, b, g.kd), m, names));
      }
    }
  }
  const lmaDefault = `lma-8 ${DEFAULT_LMA_STATISTICS}`;
  lines.push('', `## ${lmaDefault} (the default) − the official baselines, paired on seed`, '', ...header);
  for (const baseline of ['prelu (1/layer)', 'swish (β/unit)', 'aplu-8 (random)']) {
    for (const m of METRICS) {
      const size = 'MLP 784-8-8-10';
      lines.push(
        pairedRow(`${size}: ${lmaDefault} − ${baseline}`, of(size, lmaDefault), of(size, baseline), m, {
          a: 'LMA',
          b: baseline,
        }),
      );
    }
  }
  lines.push('', '## KD − no KD, paired on seed', '', ...header);
  for (const [size, spec] of Object.entries(SIZES)) {
    for (const activation of spec.noKd.filter((a) => spec.activations.includes(a))) {
      lines.push(
        pairedRow(`${size} ${activation}: KD − no KD`, of(size, activation), of(size, activation, false), 'fp32', {
          a: 'KD',
          b: 'no KD',
        }),
      );
    }
  }
  const seconds = (size: string) => {
    const rs = r.results.filter((x) => x.size === size);
    return rs.length ? (rs.reduce((s, x) => s + x.seconds, 0) / rs.length).toFixed(0) : '–';
  };
  const total = r.results.reduce((s, x) => s + x.seconds, 0);
  lines.push(
    '',
    `Time per job (s, training + PTQ evaluations): ${Object.keys(SIZES)
      .map((s) => `${s} ${seconds(s)}`)
      .join(
        ', ',
      )}; ${r.results.length} jobs, ${(total / 60).toFixed(1)} worker-minutes${t ? ` + teacher ${(t.seconds / 60).toFixed(1)} min` : ''}.`,
    '',
  );
  return lines.join('\n');
}

// Last, so every constant above is initialised before a job or the report needs it.
if (flag('worker')) {
  await initBackend('wasm', () => {});
  process.on('disconnect', () => process.exit(1)); // the main process is gone
  let teacher: ModelArtifact | null = null;
  process.on('message', async (message: { job?: Job; teacher?: string; done?: boolean }) => {
    if (message.done || !message.job) process.exit(0);
    const send = (m: object) => (process.send as NonNullable<typeof process.send>)(m);
    try {
      if (message.teacher && !teacher) teacher = readArtifact(message.teacher);
      send({ result: await runJob(message.job, teacher) });
    } catch (e) {
      send({ error: `${message.job.id}: ${(e as Error).stack}` });
    }
  });
  (process.send as NonNullable<typeof process.send>)({ ready: true });
} else {
  await main();
}
