import { deriveSeed, mulberry32, normal } from '../random/prng.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';

/** Sizes of the generated splits without a `limit`. */
export const SYNTHETIC_SIZES = { train: 4096, test: 1024 } as const;

export interface SyntheticSizes {
  train: number;
  test: number;
}

/**
 * Rows to generate for a run's `limit`: no more than it uses. Each split is one seeded stream, row after row,
 * so the first n rows are the same whatever the total: a limited set is a prefix of the full one.
 */
export function syntheticSizes(limit: { train?: number | undefined; test?: number | undefined } = {}): SyntheticSizes {
  return {
    train: Math.min(SYNTHETIC_SIZES.train, limit.train ?? SYNTHETIC_SIZES.train),
    test: Math.min(SYNTHETIC_SIZES.test, limit.test ?? SYNTHETIC_SIZES.test),
  };
}
/** Pixel noise (in 0–255 units) around each class prototype. */
const NOISE = 48;

/**
 * A generated, learnable data set for tests and dry runs: each class has a random prototype image; samples are
 * the prototype plus Gaussian pixel noise, clipped to 0–255. Deterministic in (shape, classes, seed); `sizes`
 * rows per split (a prefix of the default sizes' rows).
 */
export function makeSynthetic(
  shape: [number, number, number],
  classes: number,
  seed = 0,
  sizes: SyntheticSizes = SYNTHETIC_SIZES,
): Dataset {
  const features = shape[0] * shape[1] * shape[2];
  const protoRandom = mulberry32(deriveSeed(seed, 'synthetic', 'prototypes', shape.join('x'), classes));
  const prototypes = Array.from({ length: classes }, () =>
    Float64Array.from({ length: features }, () => protoRandom() * 255),
  );
  const split = (name: string, count: number): DatasetSplit => {
    const random = mulberry32(deriveSeed(seed, 'synthetic', name, shape.join('x'), classes));
    const images = new Uint8Array(count * features);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = Math.floor(random() * classes);
      labels[i] = label;
      const proto = prototypes[label] as Float64Array;
      for (let f = 0; f < features; f++) {
        const v = (proto[f] as number) + NOISE * normal(random);
        images[i * features + f] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
    return { images, labels, count };
  };
  return {
    name: 'synthetic',
    shape,
    classes,
    train: split('train', sizes.train),
    test: split('test', sizes.test),
    provenance: { generator: 'class prototypes + gaussian noise', noise: NOISE, seed, ...sizes },
  };
}
