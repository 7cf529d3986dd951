/**
 * bench:gemm — the raw rate of one dense layer's product, 64×784 · 784×256 (a batch through MLP 784-256's first
 * layer), in tfjs-wasm (tf.matMul, XNNPACK, the same weight tensor every call so its packed operator is cached),
 * in packages/ml's SIMD kernel (assembly/gemm.ts, weights resident in kernel memory) and in PyTorch (one
 * thread, torch.mm), measured in rounds that alternate the three. CPU time of each process, GFLOP/s = 2·m·k·n
 * per product (the dense count, also where the kernel skips steps). A is N(0, 1) by default; with --mnist it
 * is the first m MNIST training images scaled to [0, 1] (k = 784), as the first layer of an MLP sees a batch:
 * mostly background, whose zero steps the SIMD kernel skips (assembly/gemm.ts) and the others compute.
 * Run: `npx tsx bench/ml-gemm.ts [--rounds N] [--m 64 --k 784 --n 256] [--mnist]`
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { kernels } from '../packages/ml/src/fast/kernels.ts';
import { initBackend, loadDataset } from '../packages/ml/src/index.ts';
import { mulberry32, normal } from '../packages/ml/src/random/prng.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const [m, k, n] = [option('m', 64), option('k', 784), option('n', 256)];
const rounds = option('rounds', 5);
const mnist = args.includes('--mnist');
const calls = 200;
await initBackend('wasm', () => {});
const random = mulberry32(1);
const pixels = mnist ? loadDataset({ name: 'mnist' }).train.images : null;
if (pixels && k !== 784) throw new Error(`--mnist needs --k 784 (the pixels of an image), not ${k}`);
const a = Float32Array.from({ length: m * k }, (_, i) => (pixels ? (pixels[i] as number) / 255 : normal(random)));
const b = Float32Array.from({ length: k * n }, () => normal(random));
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const gflops = (ms: number) => (2 * m * k * n) / (ms * 1e6);

function tfjs(): number {
  const ta = tf.tensor2d(a, [m, k]);
  const tb = tf.tensor2d(b, [k, n]);
  for (let i = 0; i < 20; i++) tf.matMul(ta, tb).dispose();
  const t0 = cpu();
  for (let i = 0; i < calls; i++) tf.matMul(ta, tb).dataSync();
  const ms = (cpu() - t0) / calls;
  tf.dispose([ta, tb]);
  return ms;
}

function simd(): number {
  const fast = kernels();
  const [pa, pb, pc] = [fast.allocF32(m * k), fast.allocF32(k * n), fast.allocF32(m * n)];
  pa.view().set(a);
  pb.view().set(b);
  for (let i = 0; i < 20; i++) fast.exports.gemm(pa.ptr, k, 1, pb.ptr, pc.ptr, m, k, n, 0);
  const t0 = cpu();
  for (let i = 0; i < calls; i++) fast.exports.gemm(pa.ptr, k, 1, pb.ptr, pc.ptr, m, k, n, 0);
  const ms = (cpu() - t0) / calls;
  for (const p of [pa, pb, pc]) p.free();
  return ms;
}

const TORCH = `
import os, sys, time
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
import torch
torch.set_num_threads(1)
m, k, n, calls = (int(v) for v in sys.argv[1:5])
a, b = torch.randn(m, k), torch.randn(k, n)
if len(sys.argv) > 5: a = torch.frombuffer(bytearray(open(sys.argv[5], 'rb').read()), dtype=torch.float32).reshape(m, k).clone()
for _ in range(20): torch.mm(a, b)
t0 = time.process_time()
for _ in range(calls): torch.mm(a, b)
print(1000 * (time.process_time() - t0) / calls)
`;
// With --mnist PyTorch multiplies the same A (BLAS has no zero skipping, so it only keeps the inputs equal).
const aFile = join(tmpdir(), `ml-gemm-a-${process.pid}.f32`);
if (mnist) writeFileSync(aFile, new Uint8Array(a.buffer));
function torch(): number {
  const extra = mnist ? [aFile] : [];
  return Number(
    execFileSync('/usr/bin/python3', ['-c', TORCH, `${m}`, `${k}`, `${n}`, `${calls}`, ...extra], { encoding: 'utf8' }),
  );
}

const load = [loadavg()];
const results: Record<string, number[]> = {
  'tfjs-wasm tf.matMul': [],
  'SIMD kernel (gemm.ts)': [],
  'PyTorch torch.mm': [],
};
for (let r = 0; r < rounds; r++) {
  results['tfjs-wasm tf.matMul']?.push(tfjs());
  results['SIMD kernel (gemm.ts)']?.push(simd());
  results['PyTorch torch.mm']?.push(torch());
  load.push(loadavg());
}
const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
if (mnist) rmSync(aFile);
console.log(`# bench:gemm — ${m}×${k} · ${k}×${n}${mnist ? ' (A: MNIST images)' : ''}, CPU time per product\n`);
console.log(`- Command: \`npx tsx bench/ml-gemm.ts ${args.join(' ')}\``);
console.log(
  `- Machine: ${cpus().length} CPUs, ${cpus()[0]?.model}, Node ${process.version}; load ${load.map((l) => l[0]?.toFixed(1)).join(' → ')} (1 min, per round)`,
);
console.log(`- Date: ${new Date().toISOString()}; ${rounds} interleaved rounds of ${calls} products each.\n`);
console.log('| implementation | best CPU µs | median CPU µs | GFLOP/s (best) |\n|---|---|---|---|');
for (const [name, xs] of Object.entries(results)) {
  console.log(
    `| ${name} | ${(best(xs) * 1000).toFixed(0)} | ${(median(xs) * 1000).toFixed(0)} | ${gflops(best(xs)).toFixed(1)} |`,
  );
}
