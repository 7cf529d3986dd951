/**
 * bench:lma — the LMA paper's question at our scale (docs/LMA.md, issue 3): on Fashion-MNIST, one teacher, tiny
 * MLP and CNN students with relu, prelu, swish, aplu-8 and lma-8, with KD (α 0.7, T 2) and without (α 0), in
 * fp32, 8- and 4-bit PTQ and 4-bit QAT, several seeds. Writes a markdown report (mean ± std accuracy, bytes, the
 * LMA − ReLU gaps) and the raw per-run results as JSON lines.
 *
 * Grid (pruned to fit ~25 minutes on 2 shared cores): KD students at every size, each then PTQ-8 and PTQ-4;
 * the no-KD and QAT-4 axes on the smallest MLP and CNN only. Jobs go to `--jobs` worker processes (tfjs-wasm is
 * single-threaded): the no-KD jobs first, while this process trains the teacher, then the KD and QAT jobs in
 * seed order, so a run cut short by `--budget-min` loses the last seed's jobs first (the report lists them).
 *
 * Run: `npm run bench:lma -- [--rows 6000] [--epochs 2] [--test 5000] [--seeds 3] [--jobs 2] [--budget-min 25]
 *       [--out bench/results/lma.md] [--resume earlier-runs.jsonl] [--quick]` (--quick: 1,000 rows, 1 epoch, 1 seed:
 * a smoke test; --resume keeps an earlier run's results — same settings — and runs only the missing jobs).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeRun, initBackend, type ModelArtifact } from '@distillery/ml';
import type { ActivationSpec, DatasetSpec, ModelSpec, RunConfig, TrainSpec } from '@distillery/spec';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const quick = flag('quick');
const rows = Number(option('rows', quick ? '1000' : '6000'));
const epochs = Number(option('epochs', quick ? '1' : '2'));
const seedCount = Number(option('seeds', quick ? '1' : '3'));
const jobsWanted = Number(option('jobs', '2'));
const budgetMin = Number(option('budget-min', '25'));
const out = option('out', quick ? join(tmpdir(), 'distillery-lma-quick.md') : 'bench/results/lma.md');
/** JSON lines of an earlier run with the same settings: its jobs are kept, not run again (deterministic runs). */
const resumeFrom = option('resume', '');

const testRows = Number(option('test', quick ? '1000' : '5000'));
const dataset: DatasetSpec = { name: 'fashion-mnist', limit: { train: rows, test: testRows } };
const studentTrain: TrainSpec = {
  epochs,
  batchSize: 64,
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 2.2e-4 },
  schedule: { name: 'cosine' },
};
const teacherSpec: ModelSpec = {
  family: 'cnn',
  channels: [16, 32],
  dense: [128],
  activation: 'relu',
  batchNorm: true,
};
const teacherTrain: TrainSpec = {
  epochs: quick ? 1 : 3,
  batchSize: 64,
  optimizer: { name: 'adam', lr: 0.002 },
  schedule: { name: 'cosine' },
};
const KD = { temperature: 2, alpha: 0.7 } as const;
/** Every tensor quantized: with 'first-last' a tiny MLP would keep ~97% of its weights (the first kernel) float. */
const quantize = (method: 'ptq' | 'qat', bits: 4 | 8) =>
  ({ method, bits, bucketSize: 256, keepFloat: 'none' }) as const;

const ACTIVATIONS: Array<[string, ActivationSpec]> = [
  ['relu', 'relu'],
  ['prelu', 'prelu'],
  ['swish', 'swish'],
  ['aplu-8', { name: 'aplu', segments: 8 }],
  ['lma-8', { name: 'lma', segments: 8 }],
];
const SIZES: Array<{ size: string; smallest: boolean; model: (a: ActivationSpec) => ModelSpec }> = [
  {
    size: 'MLP 784-8-8-10',
    smallest: true,
    model: (a) => ({ family: 'mlp', hidden: [8, 8], activation: a, batchNorm: true }),
  },
  {
    size: 'MLP 784-32-32-10',
    smallest: false,
    model: (a) => ({ family: 'mlp', hidden: [32, 32], activation: a, batchNorm: true }),
  },
  {
    size: 'CNN c4-c8',
    smallest: true,
    model: (a) => ({ family: 'cnn', channels: [4, 8], dense: [], activation: a, batchNorm: true }),
  },
  {
    size: 'CNN c8-c16',
    smallest: false,
    model: (a) => ({ family: 'cnn', channels: [8, 16], dense: [], activation: a, batchNorm: true }),
  },
];

interface Job {
  id: string;
  kind: 'student' | 'qat';
  size: string;
  activation: string;
  kd: boolean;
  seed: number;
}
interface Result extends Job {
  accuracy: number;
  bytes: number;
  parameters: number;
  ptq?: Record<string, { accuracy: number; bytes: number }>;
  seconds: number;
}

function configOf(job: Job): RunConfig {
  const size = SIZES.find((s) => s.size === job.size);
  const act = ACTIVATIONS.find(([name]) => name === job.activation);
  if (!size || !act) throw new Error(`unknown job ${job.id}`);
  return {
    // No KD (α 0) is plain cross-entropy: run as kind teacher, which needs no parent, so these jobs run while the
    // teacher trains (a student run with α 0 trains identically but requires the teacher's artifact).
    kind: job.kind === 'qat' ? 'quantize-qat' : job.kd ? 'student' : 'teacher',
    dataset,
    model: size.model(act[1]),
    train: studentTrain,
    seed: job.seed,
    distill: job.kd ? KD : null,
    quantize: job.kind === 'qat' ? quantize('qat', 4) : null,
  };
}

async function runJob(job: Job, teacher: ModelArtifact | null): Promise<Result> {
  const started = performance.now();
  const config = configOf(job);
  if (job.kd && !teacher) throw new Error(`${job.id} needs the teacher`);
  const outcome = await executeRun({ config, ...(job.kd && teacher ? { parent: teacher } : {}) });
  const result: Result = {
    ...job,
    accuracy: outcome.accuracy,
    bytes: outcome.bytes,
    parameters: outcome.parameters,
    seconds: 0,
  };
  if (job.kind === 'student') {
    result.ptq = {};
    for (const bits of [8, 4] as const) {
      const ptq = await executeRun({
        config: { ...config, kind: 'quantize-ptq', train: null, quantize: quantize('ptq', bits) },
        parent: outcome.artifact,
      });
      result.ptq[bits] = { accuracy: ptq.accuracy, bytes: ptq.bytes };
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
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

async function main(): Promise<void> {
  const backend = await initBackend('wasm', () => {});
  const startedAt = new Date();
  const started = performance.now();
  const loadBefore = loadavg();
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const noKd: Job[] = [];
  const withTeacher: Job[] = [];
  for (const seed of seeds) {
    // CNNs first within a seed: the long jobs start early, the short ones fill the gaps.
    for (const size of [...SIZES].sort((a, b) => (a.size < b.size ? -1 : 1))) {
      for (const [activation] of ACTIVATIONS) {
        const base = { size: size.size, activation, seed };
        withTeacher.push({ ...base, id: `${size.size} ${activation} kd s${seed}`, kind: 'student', kd: true });
        if (size.smallest) {
          noKd.push({ ...base, id: `${size.size} ${activation} no-kd s${seed}`, kind: 'student', kd: false });
          withTeacher.push({ ...base, id: `${size.size} ${activation} qat-4 s${seed}`, kind: 'qat', kd: true });
        }
      }
    }
  }
  const earlier: Result[] = resumeFrom
    ? readFileSync(resumeFrom, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Result)
    : [];
  const done = new Set(earlier.map((r) => r.id));
  const jobs = [...noKd, ...withTeacher].filter((j) => !done.has(j.id));

  const jsonl = `${out.replace(/\.md$/, '')}-runs.jsonl`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(jsonl, earlier.map((r) => `${JSON.stringify(r)}\n`).join(''));
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
              const ptq = r.ptq ? `, ptq-8 ${pct(r.ptq[8]?.accuracy)}, ptq-4 ${pct(r.ptq[4]?.accuracy)}` : '';
              console.log(
                `[${((performance.now() - started) / 60_000).toFixed(1)} min] ${r.id}: ${pct(r.accuracy)}${ptq} (${r.seconds.toFixed(0)} s)`,
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

  // The teacher trains here while the workers run the no-KD jobs.
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
  console.log(`teacher: ${(teacher.accuracy * 100).toFixed(2)}% in ${teacherSeconds.toFixed(0)} s`);
  for (const f of teacher.artifact.files) writeFileSync(join(dir, f.name), f.data);
  teacherReady = true;
  for (const resume of parked.splice(0)) resume();
  await working;
  rmSync(dir, { recursive: true, force: true });
  const minutes = (performance.now() - started) / 60_000;
  const report = renderReport({
    backend,
    startedAt,
    minutes,
    loadBefore,
    loadAfter: loadavg(),
    teacher: {
      accuracy: teacher.accuracy,
      bytes: teacher.bytes,
      parameters: teacher.parameters,
      seconds: teacherSeconds,
    },
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

function pct(x: number | undefined): string {
  return x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;
}

function stats(xs: number[]): { mean: number; std: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

function cell(xs: number[]): string {
  if (xs.length === 0) return '–';
  const s = stats(xs);
  return `${(s.mean * 100).toFixed(2)} ± ${(s.std * 100).toFixed(2)}${s.n < seedCount ? ` (n=${s.n})` : ''}`;
}

function renderReport(r: {
  backend: string;
  startedAt: Date;
  minutes: number;
  loadBefore: number[];
  loadAfter: number[];
  teacher: { accuracy: number; bytes: number; parameters: number; seconds: number };
  results: Result[];
  skipped: string[];
  errors: string[];
  jsonl: string;
  workers: number;
  resumed: number;
}): string {
  const pick = (f: (x: Result) => boolean) => r.results.filter(f);
  const of = (size: string, activation: string, kind: Job['kind'], kd: boolean) =>
    pick((x) => x.size === size && x.activation === activation && x.kind === kind && x.kd === kd);
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const lines: string[] = [];
  lines.push('# bench:lma — LMA vs baseline activations for tiny KD students on Fashion-MNIST', '');
  lines.push(
    `- Command: \`npm run bench:lma${args.length ? ` -- ${args.join(' ')}` : ''}\` (= \`npx tsx bench/ml-lma.ts${args.length ? ` ${args.join(' ')}` : ''}\`)`,
  );
  lines.push(
    `- Machine: ${cpus().length} CPUs (nproc), ${cpuModel}, Node ${process.version}, tfjs backend ${r.backend} (single-threaded), ${r.workers} worker processes; load average ${r.loadBefore.map((x) => x.toFixed(1)).join('/')} at start, ${r.loadAfter.map((x) => x.toFixed(1)).join('/')} at end (shared machine).`,
  );
  lines.push(`- Date: ${r.startedAt.toISOString()}; wall time ${r.minutes.toFixed(1)} min.`);
  lines.push(
    `- Data: fashion-mnist (packages/ml's fixed 60,000/10,000 split), first ${rows.toLocaleString('en')} training rows, no validation hold-out, ${dataset.limit?.test?.toLocaleString('en')} test rows.`,
  );
  lines.push(
    `- Teacher: CNN conv16-BN-relu-pool-conv32-BN-relu-pool-fc128-BN-relu-fc10, Adam 0.002 cosine, ${teacherTrain.epochs} epochs: **${pct(r.teacher.accuracy)}**, ${r.teacher.parameters.toLocaleString('en')} parameters, ${r.teacher.bytes.toLocaleString('en')} B (trained in ${r.teacher.seconds.toFixed(0)} s).`,
  );
  lines.push(
    `- Students: conv/dense → BatchNorm → activation; CNN blocks conv3×3 'same' → BN → act → 2×2 max-pool, then fc10. SGD momentum 0.9, lr 0.05, weight decay 2.2e-4 (kernels), batch 64, cosine schedule, ${epochs} epochs; seeds ${Array.from({ length: seedCount }, (_, i) => i + 1).join(', ')}. KD: α 0.7, T 2; no KD: α 0, plain cross-entropy (run as kind \`teacher\` with the student's model: the same training, no parent needed).`,
  );
  lines.push(
    '- Quantization: weights only, uniform min–max per bucket of 256, **every** trainable tensor quantized (`keepFloat: none`; the paper kept the first and last in float, which for these students would leave most weights in float). Bytes = the packed weight payload (weights.bin) as stored: codes + per-bucket scale/offset, float32 running statistics. PTQ quantizes the trained KD student; QAT-4 is quantized distillation from the same teacher.',
  );
  lines.push(
    `- Pruning (to fit the time): KD students at all four sizes with PTQ-8/PTQ-4; no-KD and QAT-4 only for the smallest MLP (8-8) and CNN (c4-c8). Accuracies: mean ± sample std over seeds, %, on the test rows.`,
  );
  if (resumeFrom) {
    lines.push(
      `- Completed in two sessions: this one ran the ${r.results.length - r.resumed} jobs the first (same settings, same deterministic teacher) had not reached within its budget; wall time above is this session's.`,
    );
  }
  if (r.skipped.length) lines.push(`- **Not run (time budget of ${budgetMin} min reached):** ${r.skipped.join('; ')}.`);
  if (r.errors.length) lines.push(`- **Errors:** ${r.errors.map((e) => e.split('\n')[0]).join('; ')}`);
  lines.push(`- Raw results: \`${r.jsonl}\`.`, '');

  lines.push('## KD students: fp32 and PTQ', '');
  lines.push('| student | activation | params | fp32 B | fp32 acc % | PTQ-8 acc % | PTQ-8 B | PTQ-4 acc % | PTQ-4 B |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const { size } of SIZES) {
    for (const [activation] of ACTIVATIONS) {
      const rs = of(size, activation, 'student', true);
      if (rs.length === 0) continue;
      const first = rs[0] as Result;
      lines.push(
        `| ${size} | ${activation} | ${first.parameters} | ${first.bytes} | ${cell(rs.map((x) => x.accuracy))} | ${cell(rs.map((x) => x.ptq?.[8]?.accuracy ?? Number.NaN))} | ${first.ptq?.[8]?.bytes ?? '–'} | ${cell(rs.map((x) => x.ptq?.[4]?.accuracy ?? Number.NaN))} | ${first.ptq?.[4]?.bytes ?? '–'} |`,
      );
    }
  }
  lines.push('', '## Smallest students: KD vs no KD, PTQ-4 vs QAT-4', '');
  lines.push('| student | activation | no KD fp32 % | KD fp32 % | KD gain (pp) | PTQ-4 % | QAT-4 % | QAT-4 B |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const { size, smallest } of SIZES) {
    if (!smallest) continue;
    for (const [activation] of ACTIVATIONS) {
      const kd = of(size, activation, 'student', true);
      const noKd = of(size, activation, 'student', false);
      const qat = of(size, activation, 'qat', true);
      if (kd.length + noKd.length + qat.length === 0) continue;
      const gain =
        kd.length && noKd.length
          ? ((stats(kd.map((x) => x.accuracy)).mean - stats(noKd.map((x) => x.accuracy)).mean) * 100).toFixed(2)
          : '–';
      lines.push(
        `| ${size} | ${activation} | ${cell(noKd.map((x) => x.accuracy))} | ${cell(kd.map((x) => x.accuracy))} | ${gain} | ${cell(kd.map((x) => x.ptq?.[4]?.accuracy ?? Number.NaN))} | ${cell(qat.map((x) => x.accuracy))} | ${qat[0]?.bytes ?? '–'} |`,
      );
    }
  }
  lines.push('', '## LMA-8 − ReLU (percentage points; ± combines both stds / √n)', '');
  lines.push('| student | bytes LMA / ReLU (fp32) | fp32 KD | PTQ-8 | PTQ-4 | QAT-4 | fp32 no KD |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const { size, smallest } of SIZES) {
    const gap = (f: (x: Result) => number, kind: Job['kind'], kd: boolean) => {
      const a = of(size, 'lma-8', kind, kd).map(f);
      const b = of(size, 'relu', kind, kd).map(f);
      if (!a.length || !b.length) return '–';
      const sa = stats(a);
      const sb = stats(b);
      const se = Math.sqrt(sa.std ** 2 / sa.n + sb.std ** 2 / sb.n);
      const d = sa.mean - sb.mean;
      return `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} ± ${(se * 100).toFixed(2)}`;
    };
    const lma = of(size, 'lma-8', 'student', true)[0];
    const relu = of(size, 'relu', 'student', true)[0];
    lines.push(
      `| ${size} | ${lma?.bytes ?? '–'} / ${relu?.bytes ?? '–'} | ${gap((x) => x.accuracy, 'student', true)} | ${gap((x) => x.ptq?.[8]?.accuracy ?? Number.NaN, 'student', true)} | ${gap((x) => x.ptq?.[4]?.accuracy ?? Number.NaN, 'student', true)} | ${smallest ? gap((x) => x.accuracy, 'qat', true) : 'not run'} | ${smallest ? gap((x) => x.accuracy, 'student', false) : 'not run'} |`,
    );
  }
  const totalSeconds = r.results.reduce((s, x) => s + x.seconds, 0);
  lines.push(
    '',
    `Run time per job (s, training + evaluations, incl. PTQ): ${SIZES.map(({ size }) => {
      const rs = pick((x) => x.size === size);
      return `${size} ${rs.length ? (rs.reduce((s, x) => s + x.seconds, 0) / rs.length).toFixed(0) : '–'}`;
    }).join(', ')}; ${r.results.length} jobs, ${(totalSeconds / 60).toFixed(1)} worker-minutes.`,
    '',
  );
  return lines.join('\n');
}
