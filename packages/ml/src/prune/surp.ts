import { SURP_HEADER_BYTES, surpStreamBytes } from '@distillery/spec';
import { Mulberry32 } from '../random/prng.ts';
import { BitReader, BitWriter, bestRiceParameter, riceBits } from './rice-code.ts';

/**
 * SuRP, successive-refinement pruning (Isik, Weissman & No, AISTATS 2022), as the authors' reconstruction loop
 * runs it, made into a real code. The pool (the weight matrices, each divided by its L2 norm) is n magnitudes u
 * with signs; the reconstruction û starts at 0 and the residual r = u. With s = ln(n / ln n), a = α/s and
 * λ⁻¹ = a·mean(u), every step takes the threshold τ = s·λ⁻¹ and:
 * - if no residual exceeds τ, resets λ⁻¹ = a·mean(r), first shrinking a by 0.9 every 20th reset;
 * - otherwise picks m uniformly among the candidates {i : r_i > τ}, adds τ to û_m and takes it from r_m, then
 *   decays λ⁻¹ by (n − 1)/n.
 * Every 100 steps it stops if the sparsity of û has come down to the target (û starts empty and grows denser).
 *
 * The code: encoder and decoder share a generator of uniform indices in [0, n) (its seed is in the stream); the
 * encoder draws until an index is a candidate — a uniform pick from the candidates — and sends the number of
 * draws k ≥ 1, which is geometric with p = |C|/n (what the authors' code samples to estimate the rate,
 * ≈ log₂(n/|C|) + 1.44 bits); a reset is sent as 0. The symbols are Rice-coded with the best parameter. Since
 * mean(r) = (Σu − Σû)/n and the decoder knows Σû, the stream carries Σu instead of one value per reset. Then one
 * sign bit per nonzero, in index order. Stream: header (symbol count u32, Rice parameter u8, seed u32, Σu f64),
 * the pool tensors' norms (f32 each), the symbols, the signs — `surpStreamBytes` bytes.
 */
export interface SurpOptions {
  alpha: number;
  /** Stop at the first check where the sparsity of û is at most this. */
  sparsity: number;
  /** Seed of the shared index generator. */
  seed: number;
  /** Steps between sparsity checks. @defaultValue 100 (the authors' `period`) */
  period?: number;
}

export interface SurpResult {
  /** The coded stream (`surpStreamBytes`). */
  bytes: Uint8Array;
  /** The pool's values as the decoder reconstructs them, by tensor. */
  values: Float32Array[];
  steps: number;
  resets: number;
  /** Bits of the Rice-coded symbols. */
  symbolBits: number;
  nonzeros: number;
  /** 1 − nonzeros/n at the stop. */
  sparsity: number;
  /** false when the loop ran out of residual before reaching the target (then `sparsity` is above it). */
  reachedTarget: boolean;
}

export const SURP_PERIOD = 100;
/** Resets in a row without a step after which the residual counts as exhausted (a never reaches it in practice). */
const MAX_RESETS_IN_A_ROW = 10_000;

/** The threshold schedule both ends of the code follow, operation for operation (float64). */
class SurpSchedule {
  private readonly s: number;
  private a: number;
  private lamInv: number;
  private resets = 0;
  sumHat = 0;

  constructor(
    private readonly n: number,
    alpha: number,
    private readonly sumU: number,
  ) {
    if (n < 2) throw new Error(`SuRP needs at least 2 values, got ${n}`);
    this.s = Math.log(n / Math.log(n));
    this.a = alpha / this.s;
    this.lamInv = this.a * (sumU / n);
  }

  get threshold(): number {
    return this.lamInv * this.s;
  }

  /** Residual mass left, Σu − Σû. */
  get residual(): number {
    return this.sumU - this.sumHat;
  }

  reset(): void {
    this.resets++;
    if (this.resets % 20 === 0) this.a *= 0.9;
    this.lamInv = this.a * (Math.max(0, this.residual) / this.n);
  }

  step(tau: number): void {
    this.sumHat += tau;
    this.lamInv *= (this.n - 1) / this.n;
  }
}

/** Max over an array of residuals with point updates (the encoder's "is any residual above τ"). */
class MaxTree {
  private readonly size: number;
  private readonly tree: Float64Array;

  constructor(values: Float64Array) {
    let size = 1;
    while (size < values.length) size *= 2;
    this.size = size;
    this.tree = new Float64Array(2 * size).fill(Number.NEGATIVE_INFINITY);
    this.tree.set(values, size);
    for (let i = size - 1; i >= 1; i--)
      this.tree[i] = Math.max(this.tree[2 * i] as number, this.tree[2 * i + 1] as number);
  }

  get max(): number {
    return this.tree[1] as number;
  }

  set(i: number, v: number): void {
    let at = this.size + i;
    this.tree[at] = v;
    for (at >>= 1; at >= 1; at >>= 1)
      this.tree[at] = Math.max(this.tree[2 * at] as number, this.tree[2 * at + 1] as number);
  }
}

function norms32(weights: readonly Float32Array[]): Float32Array {
  return Float32Array.from(weights, (w) => {
    let sq = 0;
    for (let i = 0; i < w.length; i++) sq += (w[i] as number) ** 2;
    return Math.sqrt(sq);
  });
}

/** Runs SuRP's loop on `weights` (the pool, by tensor) and returns its coded stream and reconstruction. */
export function encodeSurp(weights: readonly Float32Array[], options: SurpOptions): SurpResult {
  const period = options.period ?? SURP_PERIOD;
  const norms = norms32(weights);
  const n = weights.reduce((k, w) => k + w.length, 0);
  const u = new Float64Array(n);
  const negative = new Uint8Array(n);
  let at = 0;
  weights.forEach((w, t) => {
    const norm = norms[t] as number;
    for (let i = 0; i < w.length; i++) {
      const v = w[i] as number;
      u[at + i] = norm > 0 ? Math.abs(v) / norm : 0;
      negative[at + i] = v < 0 ? 1 : 0;
    }
    at += w.length;
  });
  let sumU = 0;
  for (let i = 0; i < n; i++) sumU += u[i] as number;
  const r = Float64Array.from(u);
  const tree = new MaxTree(r);
  const schedule = new SurpSchedule(n, options.alpha, sumU);
  const draws = new Mulberry32(options.seed);
  const seen = new Uint8Array(n);
  const symbols: number[] = [];
  let nonzeros = 0;
  let steps = 0;
  let resets = 0;
  let inARow = 0;
  let reachedTarget = false;
  for (;;) {
    const tau = schedule.threshold;
    if (!(tau > 0)) break;
    if (!(tree.max > tau)) {
      if (!(tree.max > 0) || !(schedule.residual > 0) || inARow >= MAX_RESETS_IN_A_ROW) break;
      schedule.reset();
      symbols.push(0);
      resets++;
      inARow++;
      continue;
    }
    inARow = 0;
    let k = 0;
    let m = 0;
    do {
      m = Math.floor(draws.next() * n);
      k++;
    } while (!((r[m] as number) > tau));
    symbols.push(k);
    if (!seen[m]) {
      seen[m] = 1;
      nonzeros++;
    }
    r[m] = (r[m] as number) - tau;
    tree.set(m, r[m] as number);
    schedule.step(tau);
    steps++;
    if (steps % period === 0 && 1 - nonzeros / n <= options.sparsity) {
      reachedTarget = true;
      break;
    }
  }
  const rice = bestRiceParameter(symbols);
  const symbolBits = riceBits(symbols, rice);
  const out = new Uint8Array(surpStreamBytes({ poolTensors: weights.length, symbolBits, nonzeros }));
  const view = new DataView(out.buffer);
  view.setUint32(0, symbols.length, true);
  view.setUint8(4, rice);
  view.setUint32(5, options.seed >>> 0, true);
  view.setFloat64(9, sumU, true);
  norms.forEach((v, t) => {
    view.setFloat32(SURP_HEADER_BYTES + 4 * t, v, true);
  });
  const code = new BitWriter();
  for (const v of symbols) code.writeRice(v, rice);
  const signs = new BitWriter();
  for (let i = 0; i < n; i++) if (seen[i]) signs.writeBit(negative[i] === 1);
  const codeAt = SURP_HEADER_BYTES + 4 * weights.length;
  out.set(code.finish(), codeAt);
  out.set(signs.finish(), codeAt + Math.ceil(symbolBits / 8));
  const values = decodeSurp(
    out,
    weights.map((w) => w.length),
    options.alpha,
  );
  return { bytes: out, values, steps, resets, symbolBits, nonzeros, sparsity: 1 - nonzeros / n, reachedTarget };
}

/** Decodes a SuRP stream over a pool of tensors of `sizes` values, coded with `alpha`. */
export function decodeSurp(bytes: Uint8Array, sizes: readonly number[], alpha: number): Float32Array[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const codeAt = SURP_HEADER_BYTES + 4 * sizes.length;
  if (bytes.length < codeAt)
    throw new Error(`a SuRP stream over ${sizes.length} tensors has at least ${codeAt} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const rice = view.getUint8(4);
  const seed = view.getUint32(5, true);
  const sumU = view.getFloat64(9, true);
  const norms = sizes.map((_, t) => view.getFloat32(SURP_HEADER_BYTES + 4 * t, true));
  const schedule = new SurpSchedule(n, alpha, sumU);
  const draws = new Mulberry32(seed);
  const uHat = new Float64Array(n);
  const code = new BitReader(bytes.subarray(codeAt));
  for (let j = 0; j < count; j++) {
    const k = code.readRice(rice);
    if (k === 0) {
      schedule.reset();
      continue;
    }
    let m = 0;
    for (let d = 0; d < k; d++) m = Math.floor(draws.next() * n);
    const tau = schedule.threshold;
    uHat[m] = (uHat[m] as number) + tau;
    schedule.step(tau);
  }
  let nonzeros = 0;
  for (let i = 0; i < n; i++) if ((uHat[i] as number) > 0) nonzeros++;
  const signsAt = codeAt + Math.ceil(code.position / 8);
  const expected = surpStreamBytes({ poolTensors: sizes.length, symbolBits: code.position, nonzeros });
  if (bytes.length !== expected) {
    throw new Error(
      `the SuRP stream has ${bytes.length} bytes, its ${count} symbols and ${nonzeros} signs need ${expected}`,
    );
  }
  const signs = new BitReader(bytes.subarray(signsAt));
  const out = sizes.map((size) => new Float32Array(size));
  let at = 0;
  sizes.forEach((size, t) => {
    const values = out[t] as Float32Array;
    const norm = norms[t] as number;
    for (let i = 0; i < size; i++) {
      const v = uHat[at + i] as number;
      if (v > 0) values[i] = (signs.readBit() ? -v : v) * norm;
    }
    at += size;
  });
  return out;
}
