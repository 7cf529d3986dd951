import { type PqTensorLayout, pqTensorLayout } from '@distillery/spec';
import { deriveSeed, Mulberry32 } from '../random/prng.ts';
import { toHalfBits } from './half.ts';
import { kmeans } from './kmeans.ts';
import { clusterMeans, decodePq, kernelBlocks } from './pq-blocks.ts';
import type { PqTensor } from './pq-tensor.ts';

export interface PqSettings {
  /** Positions in `model.weights` of the kernels to product-quantize (pqTensorIndices). */
  indices: number[];
  /** Their shapes, in the same order. */
  shapes: number[][];
  blockSize: number;
  centroids: number;
  /** Proxy-noise rate of the epochs before fine-tuning, in [0, 1). */
  noise: number;
  /** The first epoch (1-based) that fine-tunes the codebooks; after the last epoch: none does. */
  finetuneFrom: number;
  seed: number;
}

/** What one training step does to a weight: the values its forward pass sees, and the gradient map back. */
export interface WeightTransform {
  forward: Float32Array;
  /** Maps the gradient w.r.t. the forward values to the gradient applied to the stored weight. */
  backward: (gradient: Float32Array) => Float32Array;
}

/**
 * iPQ training of a model's kernels (Fan et al., ICLR 2021, after fairseq's quant_noise and pq modules), in two
 * phases over the epochs of one run:
 *
 * 1. Proxy noise (epochs before `finetuneFrom`): in each step every block is dropped with probability `noise`
 *    and the others are scaled by 1/(1 − noise), in the graph: the gradient reaches the kept blocks scaled alike
 *    and not the dropped ones. (fairseq's hook writes the noisy values into the weights themselves, so drops
 *    accumulate; here the stored weights stay intact.)
 * 2. Fine-tuning (from `finetuneFrom`): at its start each kernel's blocks are clustered by seeded k-means into
 *    its codebook; from then on the forward pass sees every block replaced by its centroid, the centroid being the
 *    mean of the stored blocks assigned to it, so each centroid moves by the mean of its blocks' updates and its
 *    gradient is the mean of theirs (fairseq's PQ layers average rather than sum the gradient per centroid).
 *    The assignments stay fixed.
 *
 * The masks are seeded by run seed, optimizer step and tensor, the k-means by run seed and tensor, so a run
 * resumed from a checkpoint (which carries the assignments) reproduces the uninterrupted one.
 */
export class PqTraining {
  readonly layouts: PqTensorLayout[];
  private codebooks: Uint32Array[] | null = null;

  constructor(readonly settings: PqSettings) {
    this.layouts = settings.shapes.map((shape) => pqTensorLayout(shape, settings.blockSize, settings.centroids));
  }

  /** The assignments per kernel (in `indices` order) once k-means ran, else null. */
  get assignments(): Uint32Array[] | null {
    return this.codebooks;
  }

  /** Restores the assignments of a checkpoint written during fine-tuning. */
  restore(assignments: Uint32Array[]): void {
    assignments.forEach((a, i) => {
      const l = this.layouts[i] as PqTensorLayout;
      if (a.length !== l.blocks || a.some((c) => c >= l.centroids)) {
        throw new Error(`PQ assignments of weight #${this.settings.indices[i]} do not fit its ${l.blocks} blocks`);
      }
    });
    if (assignments.length !== this.layouts.length) {
      throw new Error(`${assignments.length} PQ assignment lists for ${this.layouts.length} kernels`);
    }
    this.codebooks = assignments.map((a) => Uint32Array.from(a));
  }

  /** Runs k-means on each kernel's current values (`read(k)` gives kernel k in `indices` order). */
  cluster(read: (k: number) => ArrayLike<number>): void {
    this.codebooks = this.layouts.map((l, k) => {
      const index = this.settings.indices[k] as number;
      const blocks = kernelBlocks(read(k), l);
      return kmeans(blocks, l.blockSize, l.centroids, deriveSeed(this.settings.seed, 'pq-kmeans', index)).assignments;
    });
  }

  /** Called before each epoch: clusters (with `read`) when the epoch is the first of fine-tuning. */
  beginEpoch(epoch: number, read: (k: number) => ArrayLike<number>): void {
    if (this.codebooks === null && epoch >= this.settings.finetuneFrom) this.cluster(read);
  }

  /** The transform of kernel k (in `indices` order) at optimizer step `step`, or null when it trains as is. */
  transform(k: number, values: Float32Array, step: number): WeightTransform | null {
    const l = this.layouts[k] as PqTensorLayout;
    if (this.codebooks) {
      const assignments = this.codebooks[k] as Uint32Array;
      const forward = decodePq(clusterMeans(values, assignments, l.centroids, l), assignments, l);
      return {
        forward,
        backward: (g) => decodePq(clusterMeans(g, assignments, l.centroids, l), assignments, l),
      };
    }
    const p = this.settings.noise;
    if (p === 0) return null;
    const random = new Mulberry32(deriveSeed(this.settings.seed, 'pq-noise', step, this.settings.indices[k] as number));
    const scale = new Float32Array(l.blocks);
    for (let b = 0; b < l.blocks; b++) scale[b] = random.next() < p ? 0 : 1 / (1 - p);
    const apply = (v: ArrayLike<number>) => {
      const out = new Float32Array(l.rows * l.columns);
      const perColumn = l.rows / l.blockSize;
      for (let row = 0; row < l.rows; row++) {
        const b = Math.floor(row / l.blockSize);
        for (let j = 0; j < l.columns; j++) {
          const at = row * l.columns + j;
          out[at] = (v[at] as number) * (scale[j * perColumn + b] as number);
        }
      }
      return out;
    };
    return { forward: apply(values), backward: apply };
  }

  /**
   * The final product quantization of kernel k's values: its codebook (the centroids — means of its assigned
   * blocks — rounded to float16) and assignments. Needs the assignments: after fine-tuning, or `cluster` first.
   */
  quantize(k: number, values: ArrayLike<number>): PqTensor {
    if (this.codebooks === null) throw new Error('PQ: no assignments yet (call cluster first)');
    const l = this.layouts[k] as PqTensorLayout;
    const assignments = this.codebooks[k] as Uint32Array;
    const means = clusterMeans(values, assignments, l.centroids, l);
    return { layout: l, codebook: Uint16Array.from(means, toHalfBits), assignments: Uint32Array.from(assignments) };
  }
}
