/**
 * bench:pack — what training students as a pack (executePack) costs per student against training the same
 * students alone, one after another (executePack's 'solo' mode: executeRun per member).
 *
 * For each case (a student model distilled from one small MNIST teacher) and each pack size N (default 1, 4, 16)
 * the same N members — seeds 1..N, so each has its own initialisation and data order — are trained solo, then
 * packed, back to back (interleaved), `--repeat` rounds, the fastest (CPU) of each kept. Times are end to end per
 * member (planning, teacher logits, training, validation, evaluation, the artifact), as a worker runs them; the
 * cells divide them by the members' training steps: CPU and wall ms per student-step. A pack also checks that its
 * members' test accuracies equal the solo ones.
 *
 * Run: `npx tsx bench/ml-pack.ts [--sizes 1,4,16] [--repeat N] [--rows 2048] [--epochs 2] [--only a|b] [--out file.md]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { ModelSpec, RunConfig } from '@distillery/spec';
import {
  type ExecuteRunInput,
  executePack,
  executeRun,
  initBackend,
  type RunOutcome,
} from '../packages/ml/src/index.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const sizes = option('sizes', '1,4,16').split(',').map(Number);
const repeat = Number(option('repeat', '1'));
const rows = Number(option('rows', '2048'));
const epochs = Number(option('epochs', '2'));
const out = option('out', 'bench/results/pack.md');
const only = option('only', '')
  .split('|')
  .filter((x) => x);
const BATCH = 64;

const dataset = { name: 'mnist', limit: { train: rows, test: 500 } } as const;
const train = { epochs, batchSize: BATCH, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } } as const;
const CASES: Array<{ name: string; model: ModelSpec }> = [
  {
    name: 'MLP 784-16-16-10 BN, relu, KD',
    model: { family: 'mlp', hidden: [16, 16], activation: 'relu', batchNorm: true },
  },
  {
    name: 'MLP 784-32-32-10 BN, lma-8, KD',
    model: { family: 'mlp', hidden: [32, 32], activation: { name: 'lma', segments: 8 }, batchNorm: true },
  },
  {
    name: 'CNN c4-c8 BN, relu, KD',
    model: { family: 'cnn', channels: [4, 8], dense: [], activation: 'relu', batchNorm: true },
  },
];

interface Timing {
  cpuMs: number;
  wallMs: number;
}

await initBackend('wasm', () => {});
const startedAt = new Date();
const loads: number[][] = [loadavg()];
const teacher = await executeRun({
  config: {
    kind: 'teacher',
    dataset,
    model: { family: 'mlp', hidden: [64], activation: 'relu' },
    train,
    seed: 0,
    distill: null,
    quantize: null,
  },
});

function members(model: ModelSpec, n: number): ExecuteRunInput[] {
  return Array.from({ length: n }, (_, i) => {
    const config: RunConfig = {
      kind: 'student',
      dataset,
      model,
      train,
      seed: i + 1,
      distill: { temperature: 2, alpha: 0.7 },
      quantize: null,
    };
    return { config, parent: teacher.artifact };
  });
}

async function measure(
  model: ModelSpec,
  n: number,
  mode: 'solo' | 'auto',
  sliceMs?: number,
): Promise<Timing & { outcomes: RunOutcome[] }> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const outcomes = await Promise.all(
    executePack(members(model, n), { mode, ...(sliceMs === undefined ? {} : { sliceMs }) }),
  );
  const used = process.cpuUsage(cpu);
  const steps = n * epochs * Math.ceil(rows / BATCH);
  return {
    cpuMs: (used.user + used.system) / 1000 / steps,
    wallMs: (performance.now() - wall) / steps,
    outcomes,
  };
}

interface Row {
  solo?: Timing;
  packed?: Timing;
  turns?: Timing;
  sameAccuracy: boolean;
}
const selected = only.length ? CASES.filter((c) => only.some((o) => c.name.includes(o))) : CASES;
const results = new Map<string, Row>();
const faster = (a: Timing | undefined, b: Timing) => (!a || b.cpuMs < a.cpuMs ? b : a);
// Warm-up: the first runs of a process compile the kernels and fill the data set's cache.
await measure((selected[0] as (typeof CASES)[0]).model, 1, 'solo');
for (let round = 1; round <= repeat; round++) {
  for (const c of selected) {
    for (const n of sizes) {
      const key = `${c.name}|${n}`;
      const row = results.get(key) ?? { sameAccuracy: true };
      const solo = await measure(c.model, n, 'solo');
      const packed = await measure(c.model, n, 'auto');
      const turns = await measure(c.model, n, 'auto', 0);
      row.solo = faster(row.solo, solo);
      row.packed = faster(row.packed, packed);
      row.turns = faster(row.turns, turns);
      row.sameAccuracy &&= [packed, turns].every((p) =>
        p.outcomes.every((o, i) => Math.abs(o.accuracy - (solo.outcomes[i] as RunOutcome).accuracy) <= 0.001),
      );
      results.set(key, row);
      console.log(
        `round ${round} ${c.name} N=${n}: solo ${solo.cpuMs.toFixed(3)} CPU (${solo.wallMs.toFixed(3)} wall), packed ${packed.cpuMs.toFixed(3)} CPU (${packed.wallMs.toFixed(3)} wall), one batch each in turn ${turns.cpuMs.toFixed(3)} CPU (${turns.wallMs.toFixed(3)} wall) ms/student-step; load ${loadavg()[0]?.toFixed(1)}`,
      );
    }
  }
  loads.push(loadavg());
}

const fmt = (t: Timing | undefined) => (t ? `${t.cpuMs.toFixed(3)} (${t.wallMs.toFixed(3)})` : '–');
const lines = [
  '# bench:pack — students trained as a pack vs alone',
  '',
  `- Command: \`npx tsx bench/ml-pack.ts${args.length ? ` ${args.join(' ')}` : ''}\``,
  `- Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? ''}, Node ${process.version}; load average (1/5/15 min) ${loads.map((l) => l.map((x) => x.toFixed(1)).join('/')).join(' → ')} (at the start, then after each round).`,
  `- Date: ${startedAt.toISOString()}.`,
  `- Method: MNIST ${rows} training rows, 500 test rows, batch ${BATCH}, ${epochs} epochs, SGD momentum 0.9 (lr 0.05), KD (T 2, α 0.7) from one MLP 784-64-10 teacher; N students, seeds 1..N. "solo": \`executePack(…, { mode: 'solo' })\` (executeRun per member, one after another); "packed": \`executePack\` (each member trains 50 ms before the loop moves on); "one batch each in turn": \`executePack(…, { sliceMs: 0 })\`. End to end per member (planning, teacher logits, training, validation, test evaluation, artifact). ${repeat} round(s), solo and packed back to back, the fastest (CPU) kept.`,
  '- Cells: **CPU ms per student-step** of the process (wall ms in parentheses) = time ÷ (N × steps per member).',
  '',
  '| case | N | solo | packed (sliceMs 50) | packed ÷ solo | one batch each in turn (sliceMs 0) | turns ÷ solo | same test accuracy |',
  '|---|---|---|---|---|---|---|---|',
];
for (const [key, row] of results) {
  const [name, n] = key.split('|');
  const ratio = (t: Timing | undefined) => (row.solo && t ? `${(t.cpuMs / row.solo.cpuMs).toFixed(2)}×` : '–');
  lines.push(
    `| ${name} | ${n} | ${fmt(row.solo)} | ${fmt(row.packed)} | ${ratio(row.packed)} | ${fmt(row.turns)} | ${ratio(row.turns)} | ${row.sameAccuracy ? 'yes' : '**no**'} |`,
  );
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
