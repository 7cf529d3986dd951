import { pqTensorBytes, pqTensorLayout } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHalfBits, roundToHalf, toHalfBits } from '../src/quantize/half.ts';
import { kmeans } from '../src/quantize/kmeans.ts';
import { blocksToKernel, clusterMeans, decodePq, kernelBlocks } from '../src/quantize/pq-blocks.ts';
import { dequantizePq, packPq, unpackPq } from '../src/quantize/pq-tensor.ts';
import { PqTraining } from '../src/quantize/pq-training.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

function gaussian(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 0.1 * normal(random));
}

describe('float16', () => {
  it('round-trips every finite half value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalfBits(h);
      if (Number.isNaN(v)) continue;
      expect(toHalfBits(v)).toBe(h === 0x8000 ? 0x8000 : h);
    }
  });

  it('rounds to the nearest half value, ties to even, and overflows to infinity', () => {
    expect(roundToHalf(1 + 2 ** -11)).toBe(1); // halfway between 1 and 1 + 2^-10: to the even mantissa
    expect(roundToHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToHalf(0.1)).toBe(0.0999755859375); // 1638/16384
    expect(roundToHalf(65504)).toBe(65504);
    expect(roundToHalf(70000)).toBe(Number.POSITIVE_INFINITY);
    expect(roundToHalf(2 ** -25)).toBe(0); // half the smallest subnormal: ties to even (0)
    expect(roundToHalf(3 * 2 ** -25)).toBe(2 ** -23);
  });
});

describe('k-means', () => {
  // Three clusters of two-dimensional points around (0, 0), (10, 0) and (0, 10), with hand-computed means.
  const points = [0, 0, 1, 0, 0, 1, 10, 0, 11, 0, 10, 2, 0, 10, 0, 12, 0, 10, 2, 10];
  const clusterOf = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
  const means = [
    [1 / 3, 1 / 3],
    [31 / 3, 2 / 3],
    [0.5, 10.5],
  ];

  it('finds the three clusters and their means, whatever the seed', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = kmeans(points, 2, 3, seed);
      // The same partition as by hand, under some relabelling of the clusters.
      const label = new Map<number, number>();
      clusterOf.forEach((c, i) => {
        const got = r.assignments[i] as number;
        if (!label.has(c)) label.set(c, got);
        expect(got).toBe(label.get(c));
      });
      expect(new Set(label.values()).size).toBe(3);
      for (const [c, m] of means.entries()) {
        const k = label.get(c) as number;
        expect(r.centroids[2 * k]).toBeCloseTo(m[0] as number, 12);
        expect(r.centroids[2 * k + 1]).toBeCloseTo(m[1] as number, 12);
      }
    }
  });

  it('ends at a fixed point: each vector at its nearest centroid, each centroid the mean of its vectors', () => {
    const dim = 4;
    const vectors = gaussian(400 * dim, 9);
    const k = 16;
    const r = kmeans(vectors, dim, k, 7);
    const n = vectors.length / dim;
    const dist = (i: number, c: number) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += ((vectors[i * dim + d] as number) - (r.centroids[c * dim + d] as number)) ** 2;
      return s;
    };
    const counts = new Array(k).fill(0);
    for (let i = 0; i < n; i++) {
      const a = r.assignments[i] as number;
      counts[a]++;
      for (let c = 0; c < k; c++) expect(dist(i, a)).toBeLessThanOrEqual(dist(i, c) + 1e-12);
    }
    expect(counts.every((m) => m > 0)).toBe(true);
    for (let c = 0; c < k; c++) {
      for (let d = 0; d < dim; d++) {
        let s = 0;
        for (let i = 0; i < n; i++) if (r.assignments[i] === c) s += vectors[i * dim + d] as number;
        expect(r.centroids[c * dim + d]).toBeCloseTo(s / counts[c], 12);
      }
    }
    expect(r.iterations).toBeLessThanOrEqual(20);
  });

  it('is reproducible for a seed, and splits a cluster into an empty one', () => {
    const vectors = gaussian(64 * 2, 3);
    expect(kmeans(vectors, 2, 8, 11)).toEqual(kmeans(vectors, 2, 8, 11));
    // Five distinct points, five clusters: every point gets its own however the start falls.
    const five = [0, 0, 0, 0, 1, 1, 5, 5, 5, 5, 9, 0, 9, 1];
    const r = kmeans(five, 2, 5, 1);
    expect(new Set(r.assignments).size).toBe(5);
    expect(r.assignments[0]).toBe(r.assignments[1]);
    expect(r.assignments[3]).toBe(r.assignments[4]);
  });
});

describe('PQ blocks, codebooks and packing', () => {
  it('cuts a dense kernel [in, out] into blockSize consecutive input weights of one output unit', () => {
    // in 4, out 2, values v[row·2 + col] = 10·row + col.
    const values = Float32Array.from({ length: 8 }, (_, i) => 10 * Math.floor(i / 2) + (i % 2));
    const l = pqTensorLayout([4, 2], 2, 4);
    expect(l).toMatchObject({ rows: 4, columns: 2, blocks: 4, centroids: 4, bits: 2 });
    expect(Array.from(kernelBlocks(values, l))).toEqual([0, 10, 20, 30, 1, 11, 21, 31]);
    expect(blocksToKernel(kernelBlocks(values, l), l)).toEqual(values);
  });

  it('packs assignments and float16 codebooks in exactly pqTensorBytes and unpacks them', () => {
    const values = gaussian(72 * 5, 4); // a [3, 3, 8, 5] conv kernel: 72 rows, 5 columns
    for (const [blockSize, centroids] of [
      [8, 16],
      [4, 64],
      [9, 2],
      [72, 8],
    ] as const) {
      const l = pqTensorLayout([3, 3, 8, 5], blockSize, centroids);
      const { assignments } = kmeans(kernelBlocks(values, l), blockSize, l.centroids, 5);
      const means = clusterMeans(values, assignments, l.centroids, l);
      const t = { layout: l, codebook: Uint16Array.from(means, toHalfBits), assignments };
      const bytes = packPq(t);
      expect(bytes.length).toBe(pqTensorBytes(l));
      const back = unpackPq(bytes, l);
      expect(back.assignments).toEqual(assignments);
      expect(back.codebook).toEqual(t.codebook);
      const decoded = dequantizePq(back);
      expect(decoded).toEqual(decodePq(Float32Array.from(means, roundToHalf), assignments, l));
      // At most `centroids` distinct blocks.
      const distinct = new Set<string>();
      const blocks = kernelBlocks(decoded, l);
      for (let b = 0; b < l.blocks; b++) distinct.add(blocks.subarray(b * blockSize, (b + 1) * blockSize).join());
      expect(distinct.size).toBeLessThanOrEqual(l.centroids);
    }
  });
});

describe('the centroid gradient of PQ fine-tuning', () => {
  it("is the autodiff gradient w.r.t. the centroids (summed over their blocks) divided by each cluster's size", () => {
    const shape = [6, 3];
    const l = pqTensorLayout(shape, 2, 4);
    const assignments = Uint32Array.from([0, 1, 2, 3, 0, 1, 0, 2, 3]);
    const centroids = gaussian(4 * 2, 8);
    const x = tf.tensor2d(gaussian(5 * 6, 2), [5, 6]);
    const target = tf.tensor2d(gaussian(5 * 3, 3), [5, 3]);
    // Independently in tfjs: the kernel gathered from the centroids, and d loss / d centroids by autodiff.
    // Blocks = one-hot(assignments) · centroids (a gather written as a product, differentiable on every backend).
    const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(assignments), 'int32'), 4).toFloat();
    const kernelOf = (c: tf.Tensor) =>
      oneHot
        .matMul(c)
        .reshape([3, 3, 2]) // [column, block, row in block]
        .transpose([1, 2, 0])
        .reshape(shape);
    const loss = (k: tf.Tensor) => x.matMul(k).sub(target).square().sum();
    const dCentroids = tf
      .grad((c: tf.Tensor) => loss(kernelOf(c)))(tf.tensor2d(centroids, [4, 2]))
      .dataSync();
    const kernel = kernelOf(tf.tensor2d(centroids, [4, 2]));
    expect(decodePq(centroids, assignments, l)).toEqual(kernel.dataSync());
    const dKernel = tf.grad(loss)(kernel).dataSync() as Float32Array;
    // The training step's map from the decoded kernel's gradient to the stored weights' gradient.
    const pq = new PqTraining({
      indices: [0],
      shapes: [shape],
      blockSize: 2,
      centroids: 4,
      noise: 0,
      finetuneFrom: 1,
      seed: 1,
    });
    pq.restore([assignments]);
    const t = pq.transform(0, decodePq(centroids, assignments, l), 0);
    const perBlock = kernelBlocks(t?.backward(dKernel) as Float32Array, l);
    const sizes = [3, 2, 2, 2];
    assignments.forEach((c, b) => {
      for (let r = 0; r < 2; r++) {
        expect(perBlock[b * 2 + r]).toBeCloseTo((dCentroids[c * 2 + r] as number) / (sizes[c] as number), 5);
      }
    });
    // The forward pass sees every block at its cluster's mean: here exactly the centroids.
    expect(t?.forward).toEqual(decodePq(centroids, assignments, l));
    tf.dispose([x, target, kernel, oneHot]);
  });

  it('drops whole blocks with the proxy noise and scales the kept ones by 1/(1 − p), gradient alike', () => {
    const shape = [64, 32];
    const l = pqTensorLayout(shape, 8, 16);
    const p = 0.25;
    const pq = new PqTraining({
      indices: [0],
      shapes: [shape],
      blockSize: 8,
      centroids: 16,
      noise: p,
      finetuneFrom: 9,
      seed: 3,
    });
    const values = gaussian(64 * 32, 6);
    const t = pq.transform(0, values, 5);
    const blocks = kernelBlocks(values, l);
    const forward = kernelBlocks(t?.forward as Float32Array, l);
    const back = kernelBlocks(t?.backward(Float32Array.from(values)) as Float32Array, l);
    let dropped = 0;
    for (let b = 0; b < l.blocks; b++) {
      const scale = (forward[b * 8] as number) / (blocks[b * 8] as number);
      if (scale === 0) dropped++;
      else expect(scale).toBeCloseTo(1 / (1 - p), 6);
      for (let r = 0; r < 8; r++) {
        expect(forward[b * 8 + r]).toBeCloseTo((blocks[b * 8 + r] as number) * scale, 6);
        expect(back[b * 8 + r]).toBeCloseTo((blocks[b * 8 + r] as number) * scale, 6);
      }
    }
    // 256 blocks, each dropped with probability 1/4: 64 ± 4.5 σ (σ = √48).
    expect(Math.abs(dropped - 64)).toBeLessThan(4.5 * Math.sqrt(48));
    // The same step, the same mask; another step, another.
    expect(pq.transform(0, values, 5)?.forward).toEqual(t?.forward);
    expect(pq.transform(0, values, 6)?.forward).not.toEqual(t?.forward);
  });
});
