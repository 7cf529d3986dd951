import { Mulberry32, normal } from '../random/prng.ts';

export interface KMeansResult {
  /** k × dim, row-major: centroid c is `centroids[c·dim … (c+1)·dim)`. */
  centroids: Float64Array;
  /** One centroid index per vector. */
  assignments: Uint32Array;
  /** Lloyd iterations run (each an assignment and an update step). */
  iterations: number;
}

/** fairseq's EM defaults: 20 iterations, empty clusters split with a 1e-6 perturbation, up to 30 tries. */
export const KMEANS_ITERATIONS = 20;
const SPLIT_EPS = 1e-6;
const SPLIT_TRIES = 30;

/**
 * Seeded k-means (Lloyd) on `vectors` (n × dim, row-major), as iPQ quantizes a layer's blocks: the centroids start
 * as k distinct vectors drawn by the seeded generator; each iteration assigns every vector to its nearest centroid
 * (squared Euclidean distance, ties to the lower index), splits the most populated cluster into any empty one
 * (its centroid ± a 1e-6·N(0, 1) perturbation, then assigns again; fairseq's rule, except that a cluster of one
 * repeated vector, which no perturbation splits, is passed over), and moves each centroid to the mean of its
 * vectors. It stops when no assignment changes or after `iterations`. The returned centroids are the means of the
 * returned assignments (a cluster left empty — only possible when vectors coincide — keeps its last centroid).
 * Unweighted, as fairseq's. Deterministic for a given seed.
 */
export function kmeans(
  vectors: ArrayLike<number>,
  dim: number,
  k: number,
  seed: number,
  iterations = KMEANS_ITERATIONS,
): KMeansResult {
  const n = vectors.length / dim;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`k-means needs whole vectors of ${dim}, got ${vectors.length} values`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`k-means needs 1 ≤ k ≤ ${n} vectors, got k = ${k}`);
  const random = new Mulberry32(seed);
  const next = () => random.next();
  // k distinct starting vectors: a partial Fisher–Yates shuffle of the indices.
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const centroids = new Float64Array(k * dim);
  for (let c = 0; c < k; c++) {
    const j = c + Math.floor(next() * (n - c));
    const t = order[c] as number;
    order[c] = order[j] as number;
    order[j] = t;
    const v = order[c] as number;
    for (let d = 0; d < dim; d++) centroids[c * dim + d] = vectors[v * dim + d] as number;
  }
  const assignments = new Uint32Array(n);
  const counts = new Int32Array(k);
  const assign = () => {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        let distance = 0;
        for (let d = 0; d < dim; d++) {
          const diff = (vectors[i * dim + d] as number) - (centroids[c * dim + d] as number);
          distance += diff * diff;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      assignments[i] = best;
      counts[best] = (counts[best] as number) + 1;
    }
  };
  const update = () => {
    const sums = new Float64Array(k * dim);
    for (let i = 0; i < n; i++) {
      const c = assignments[i] as number;
      for (let d = 0; d < dim; d++)
        sums[c * dim + d] = (sums[c * dim + d] as number) + (vectors[i * dim + d] as number);
    }
    for (let c = 0; c < k; c++) {
      const m = counts[c] as number;
      if (m === 0) continue;
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = (sums[c * dim + d] as number) / m;
    }
  };
  /** Whether the vectors of cluster c are not all one vector (only such a cluster can be split). */
  const spread = (c: number) => {
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (assignments[i] !== c) continue;
      if (first < 0) first = i;
      else for (let d = 0; d < dim; d++) if (vectors[i * dim + d] !== vectors[first * dim + d]) return true;
    }
    return false;
  };
  const splitEmpty = () => {
    for (let tries = 0; tries < SPLIT_TRIES; tries++) {
      const empty = counts.indexOf(0);
      if (empty < 0) return;
      let largest = -1;
      for (let c = 0; c < k; c++) {
        if (
          (counts[c] as number) > 1 &&
          (largest < 0 || (counts[c] as number) > (counts[largest] as number)) &&
          spread(c)
        ) {
          largest = c;
        }
      }
      if (largest < 0) return;
      for (let d = 0; d < dim; d++) {
        const e = SPLIT_EPS * normal(next);
        centroids[empty * dim + d] = (centroids[largest * dim + d] as number) + e;
        centroids[largest * dim + d] = (centroids[largest * dim + d] as number) - e;
      }
      assign();
    }
  };
  let previous: Uint32Array | null = null;
  let done = 0;
  for (let it = 0; it < iterations; it++) {
    assign();
    splitEmpty();
    update();
    done++;
    if (previous?.every((a, i) => a === assignments[i])) break;
    previous = Uint32Array.from(assignments);
  }
  return { centroids, assignments, iterations: done };
}
