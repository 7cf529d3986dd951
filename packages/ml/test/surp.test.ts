import { surpStreamBytes } from '@distillery/spec';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, bestRiceParameter, riceBits } from '../src/prune/rice-code.ts';
import { decodeSurp, encodeSurp } from '../src/prune/surp.ts';
import { Mulberry32 } from '../src/random/prng.ts';

/**
 * The authors' reconstruction loop written out directly (an O(n) scan for the candidates every step, the
 * residual mean recomputed from r), with the same shared index draws: what encodeSurp must agree with.
 */
function referenceLoop(weights: Float32Array[], alpha: number, target: number, seed: number) {
  const norms = weights.map((w) => Math.fround(Math.sqrt(w.reduce((s, v) => s + v * v, 0))));
  const u = weights.flatMap((w, t) => [...w].map((v) => Math.abs(v) / (norms[t] as number)));
  const n = u.length;
  const s = Math.log(n / Math.log(n));
  let a = alpha / s;
  let lamInv = a * (u.reduce((x, y) => x + y, 0) / n);
  const r = [...u];
  const uHat = new Array<number>(n).fill(0);
  const draws = new Mulberry32(seed);
  const symbols: number[] = [];
  let resets = 0;
  let steps = 0;
  const checks: number[] = [];
  for (;;) {
    const tau = lamInv * s;
    const candidates = r.flatMap((v, i) => (v > tau ? [i] : []));
    if (candidates.length === 0) {
      resets++;
      if (resets % 20 === 0) a *= 0.9;
      lamInv = a * (r.reduce((x, y) => x + y, 0) / n);
      symbols.push(0);
      continue;
    }
    let k = 0;
    let m = -1;
    do {
      m = Math.floor(draws.next() * n);
      k++;
    } while (!candidates.includes(m));
    symbols.push(k);
    uHat[m] = (uHat[m] as number) + tau;
    r[m] = (r[m] as number) - tau;
    lamInv *= (n - 1) / n;
    steps++;
    if (steps % 100 !== 0) continue;
    const nonzeros = uHat.filter((v) => v > 0).length;
    checks.push(1 - nonzeros / n);
    if (1 - nonzeros / n <= target) return { steps, resets, nonzeros, symbols, uHat, n, checks };
  }
}

function fixedWeights(): Float32Array[] {
  const g = new Mulberry32(42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - g.next())) * Math.cos(2 * Math.PI * g.next());
  return [Float32Array.from({ length: 600 }, gauss), Float32Array.from({ length: 90 }, () => 3 * gauss())];
}

describe('Rice codes', () => {
  it('cost q + 1 + b bits a value and read back what was written', () => {
    // 0 → "0|0", 1 → "0|1", 5 → "11 0|1" with b = 1.
    expect(riceBits([0, 1, 5], 1)).toBe(2 + 2 + 4);
    const w = new BitWriter();
    for (const v of [0, 1, 5, 300]) w.writeRice(v, 3);
    const r = new BitReader(w.finish());
    expect([0, 1, 5, 300].map(() => r.readRice(3))).toEqual([0, 1, 5, 300]);
    expect(r.position).toBe(riceBits([0, 1, 5, 300], 3));
  });

  it('choose the parameter with the fewest bits', () => {
    const values = [100, 120, 90, 130, 0];
    const b = bestRiceParameter(values);
    for (let other = 0; other <= 24; other++) expect(riceBits(values, b)).toBeLessThanOrEqual(riceBits(values, other));
  });
});

describe("SuRP's reconstruction loop on a fixed vector", () => {
  const weights = fixedWeights();

  it('stops where the authors loop stops, with the same steps, resets, sparsity and symbols', () => {
    for (const target of [0.9, 0.6]) {
      const ref = referenceLoop(weights, 10, target, 7);
      const got = encodeSurp(weights, { alpha: 10, sparsity: target, seed: 7 });
      expect(got.reachedTarget).toBe(true);
      expect(got.steps).toBe(ref.steps);
      expect(got.resets).toBe(ref.resets);
      expect(got.nonzeros).toBe(ref.nonzeros);
      expect(got.sparsity).toBe(1 - ref.nonzeros / ref.n);
      expect(got.sparsity).toBeLessThanOrEqual(target);
      // The rate: every symbol Rice-coded with the best parameter for them, plus header, norms and signs.
      const symbolBits = riceBits(ref.symbols, bestRiceParameter(ref.symbols));
      expect(got.symbolBits).toBe(symbolBits);
      expect(got.bytes.length).toBe(surpStreamBytes({ poolTensors: 2, symbolBits, nonzeros: ref.nonzeros }));
    }
  });

  it('stops at the first check (every 100 steps) at or below the target sparsity', () => {
    const ref = referenceLoop(weights, 10, 0.6, 7);
    const got = encodeSurp(weights, { alpha: 10, sparsity: 0.6, seed: 7 });
    expect(got.steps).toBe(100 * ref.checks.length);
    expect(ref.checks.length).toBeGreaterThan(1);
    for (const earlier of ref.checks.slice(0, -1)) expect(earlier).toBeGreaterThan(0.6);
    expect(got.sparsity).toBe(ref.checks.at(-1));
  });

  it('decodes to sign · û · norm, the reconstruction the encoder built, with the original signs', () => {
    const ref = referenceLoop(weights, 10, 0.9, 3);
    const got = encodeSurp(weights, { alpha: 10, sparsity: 0.9, seed: 3 });
    const decoded = decodeSurp(got.bytes, [600, 90], 10);
    expect(decoded.map((d) => [...d])).toEqual(got.values.map((v) => [...v]));
    const norms = weights.map((w) => Math.fround(Math.sqrt(w.reduce((s, v) => s + v * v, 0))));
    let at = 0;
    weights.forEach((w, t) => {
      for (let i = 0; i < w.length; i++) {
        const expected = Math.fround(Math.sign(w[i] as number) * (ref.uHat[at + i] as number) * (norms[t] as number));
        expect((decoded[t] as Float32Array)[i]).toBe(expected === 0 ? 0 : expected);
      }
      at += w.length;
    });
  });

  it('keeps zero weights at zero (nested supports) and refines the largest magnitudes first', () => {
    const masked = weights.map((w) => w.map((v, i) => (i % 3 === 0 ? 0 : v)));
    const got = encodeSurp(masked, { alpha: 10, sparsity: 0.95, seed: 1 });
    masked.forEach((w, t) => {
      w.forEach((v, i) => {
        if (v === 0) expect((got.values[t] as Float32Array)[i]).toBe(0);
      });
    });
    // The largest |w| of the pool crosses the first threshold (α · mean) and is among the nonzeros.
    const flat = masked.flatMap((w) => [...w]);
    const largest = flat.reduce((best, v, i) => (Math.abs(v) > Math.abs(flat[best] as number) ? i : best), 0);
    expect(got.values.flatMap((v) => [...v])[largest]).not.toBe(0);
  });

  it('refuses a stream of the wrong length', () => {
    const got = encodeSurp(weights, { alpha: 10, sparsity: 0.9, seed: 7 });
    expect(() => decodeSurp(got.bytes.subarray(0, got.bytes.length - 1), [600, 90], 10)).toThrow(/bytes/);
  });
});
