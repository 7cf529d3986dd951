/**
 * bench:pack-products — how much a batched kernel could save a pack of students: the first dense layer's two
 * products (forward X·W and the kernel gradient Xᵀ·dY, the largest of an MNIST MLP student's step) for N members,
 * as N separate calls of the SIMD gemm (what each member's fused step does), and as one call on the members'
 * kernels side by side ([in, N·units]), which only members sharing their batch X can use (one seed, so one data
 * order). Members of a pack with different seeds have different batches: no product of theirs can be shared.
 *
 * Run: `npx tsx bench/ml-pack-products.ts [--reps 400] [--out bench/results/pack-products.md]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { kernels } from '../packages/ml/src/fast/kernels.ts';
import { loadDataset } from '../packages/ml/src/index.ts';
import { mulberry32 } from '../packages/ml/src/random/prng.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const reps = Number(option('reps', '400'));
const out = option('out', 'bench/results/pack-products.md');
const ROWS = 64;
const INNER = 784;

const k = kernels();
const random = mulberry32(1);
const dataset = loadDataset({ name: 'mnist', limit: { train: ROWS, test: 1 } });
const x = k.allocF32(ROWS * INNER);
// Real MNIST rows: mostly background zeros, which the gemm kernel skips.
x.view().set(Float32Array.from(dataset.train.images.subarray(0, ROWS * INNER), (v) => v / 255));

const cpuMs = (f: () => void) => {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

const startedAt = new Date();
const loadBefore = loadavg();
const rows: string[] = [];
for (const units of [16, 32, 64]) {
  for (const n of [1, 4, 16]) {
    const filled = (size: number) => {
      const b = k.allocF32(size);
      const v = b.view();
      for (let i = 0; i < size; i++) v[i] = random() - 0.5;
      return b;
    };
    const w = filled(INNER * units * n);
    const dy = filled(ROWS * units * n);
    const y = k.allocF32(ROWS * units * n);
    const g = k.allocF32(INNER * units * n);
    const separate = () => {
      for (let r = 0; r < reps; r++) {
        for (let m = 0; m < n; m++) {
          k.exports.gemm(
            x.ptr,
            INNER,
            1,
            w.ptr + m * INNER * units * 4,
            y.ptr + m * ROWS * units * 4,
            ROWS,
            INNER,
            units,
            0,
          );
          k.exports.gemm(
            x.ptr,
            1,
            INNER,
            dy.ptr + m * ROWS * units * 4,
            g.ptr + m * INNER * units * 4,
            INNER,
            ROWS,
            units,
            0,
          );
        }
      }
    };
    const joined = () => {
      for (let r = 0; r < reps; r++) {
        k.exports.gemm(x.ptr, INNER, 1, w.ptr, y.ptr, ROWS, INNER, units * n, 0);
        k.exports.gemm(x.ptr, 1, INNER, dy.ptr, g.ptr, INNER, ROWS, units * n, 0);
      }
    };
    separate(); // warm-up
    joined();
    // Interleaved, three times each, the fastest kept.
    let a = Number.POSITIVE_INFINITY;
    let b = Number.POSITIVE_INFINITY;
    for (let t = 0; t < 3; t++) {
      a = Math.min(a, cpuMs(separate));
      b = Math.min(b, cpuMs(joined));
    }
    const perMember = (ms: number) => (ms * 1000) / reps / n;
    rows.push(
      `| 784×${units} | ${n} | ${perMember(a).toFixed(1)} | ${perMember(b).toFixed(1)} | ${(b / a).toFixed(2)}× |`,
    );
    console.log(rows.at(-1));
    for (const buf of [w, dy, y, g]) buf.free();
  }
}
const lines = [
  "# bench:pack-products — a pack's first-layer products, separate or batched",
  '',
  `- Command: \`npx tsx bench/ml-pack-products.ts${args.length ? ` ${args.join(' ')}` : ''}\``,
  `- Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? ''}, Node ${process.version}; load average ${loadBefore.map((l) => l.toFixed(1)).join('/')} → ${loadavg()
    .map((l) => l.toFixed(1))
    .join('/')}.`,
  `- Date: ${startedAt.toISOString()}.`,
  `- Method: the SIMD gemm of packages/ml/src/fast on a batch of ${ROWS} real MNIST rows (784 features): forward X·W [784×units] and kernel gradient Xᵀ·dY per member. "separate": N calls each (N members' fused steps); "batched": one call each on the N kernels side by side, [784 × N·units] — possible only for members with the same batch (same seed). ${reps} repetitions, interleaved, fastest of 3 kept.`,
  '- Cells: CPU µs per member for the two products.',
  '',
  '| layer | N | separate | batched (same batch) | batched ÷ separate |',
  '|---|---|---|---|---|',
  ...rows,
];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
