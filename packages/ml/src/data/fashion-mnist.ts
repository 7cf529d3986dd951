import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError } from '../errors.ts';
import { mulberry32, permutation } from '../random/prng.ts';
import type { Dataset } from './dataset.ts';
import { decodedDatasetKey, loadDecodedDataset } from './decoded-dataset-cache.ts';

const ROW_LENGTH = 28 * 28;
const CLASSES = 10;
/**
 * The package ships no train/test split; this one is ours: the valid rows of all classes (class 0 first, file
 * order within a class) permuted with this fixed seed, the first 60,000 for training and the rest (10,000) for
 * testing, like the official sizes. Changing the seed changes every Fashion-MNIST result: don't.
 */
export const FASHION_MNIST_SPLIT = { seed: 20_240_601, train: 60_000 } as const;

export function fashionMnistFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
}

/** A row that was dropped: which class file, which row, and why. */
export interface DroppedRow {
  file: string;
  row: number;
  problem: string;
}

/**
 * Where the decoded Fashion-MNIST is kept between processes: `node_modules/.cache/distillery` beside the
 * package (the usual place for a package's derived files, and removed by a fresh `npm ci` with the package).
 */
export function fashionMnistCacheFolder(folder = fashionMnistFolder()): string {
  return join(folder, '..', '..', '..', '.cache', 'distillery');
}

/**
 * Fashion-MNIST (see {@link decodeFashionMnist}), read from its decoded copy in `cacheDir` when the class files are
 * unchanged since it was written: parsing the package's 155 MB of JSON takes seconds, every process.
 */
export function loadFashionMnist(folder = fashionMnistFolder(), cacheDir = fashionMnistCacheFolder(folder)): Dataset {
  const files = Array.from({ length: CLASSES }, (_, label) => join(folder, `${label}.json`));
  let key: string;
  try {
    key = decodedDatasetKey('fashion-mnist', files);
  } catch {
    return decodeFashionMnist(folder); // a missing file: decoding says which
  }
  return loadDecodedDataset(cacheDir, key, () => decodeFashionMnist(folder));
}

/**
 * Fashion-MNIST from the `fashion-mnist` package: one JSON file per class (`{ data: number[][] }`, pixels
 * 0–255). Rows are validated (784 integers in 0–255); malformed ones (the package has 2 empty rows) are dropped
 * and recorded in `provenance.dropped`, with the split seed and sizes.
 */
export function decodeFashionMnist(folder = fashionMnistFolder()): Dataset {
  const rows: Uint8Array[] = [];
  const labels: number[] = [];
  const dropped: DroppedRow[] = [];
  for (let label = 0; label < CLASSES; label++) {
    const file = join(folder, `${label}.json`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DatasetError(
        code ? 'DATASET_FILE' : 'DATASET_FORMAT',
        `Fashion-MNIST file ${file}: ${code ? `cannot read (${code})` : `not JSON (${(e as Error).message})`}`,
        { cause: e },
      );
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) {
      throw new DatasetError('DATASET_FORMAT', `Fashion-MNIST file ${file}: expected an object with a 'data' array`);
    }
    data.forEach((row: unknown, i) => {
      const problem = rowProblem(row);
      if (problem) {
        dropped.push({ file: `${label}.json`, row: i, problem });
        return;
      }
      rows.push(Uint8Array.from(row as number[]));
      labels.push(label);
    });
  }
  const total = rows.length;
  if (total <= FASHION_MNIST_SPLIT.train) {
    throw new DatasetError(
      'DATASET_FORMAT',
      `Fashion-MNIST in ${folder}: only ${total} valid rows, fewer than the ${FASHION_MNIST_SPLIT.train} training rows`,
    );
  }
  const order = permutation(total, mulberry32(FASHION_MNIST_SPLIT.seed));
  const take = (from: number, to: number) => {
    const n = to - from;
    const images = new Uint8Array(n * ROW_LENGTH);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const src = order[from + i] as number;
      images.set(rows[src] as Uint8Array, i * ROW_LENGTH);
      y[i] = labels[src] as number;
    }
    return { images, labels: y, count: n };
  };
  const train = take(0, FASHION_MNIST_SPLIT.train);
  const test = take(FASHION_MNIST_SPLIT.train, total);
  return {
    name: 'fashion-mnist',
    shape: [28, 28, 1],
    classes: CLASSES,
    train,
    test,
    provenance: {
      source: 'npm:fashion-mnist',
      validRows: total,
      dropped,
      split: {
        method: 'mulberry32 permutation of valid rows (class order, then file order)',
        seed: FASHION_MNIST_SPLIT.seed,
        train: FASHION_MNIST_SPLIT.train,
        test: total - FASHION_MNIST_SPLIT.train,
        /** sha256 of the test split's pixels then labels: the same digest means the same test set. */
        testDigest: createHash('sha256').update(test.images).update(test.labels).digest('hex'),
      },
    },
  };
}

function rowProblem(row: unknown): string | null {
  if (!Array.isArray(row)) return 'not an array';
  if (row.length !== ROW_LENGTH) return `length ${row.length}, expected ${ROW_LENGTH}`;
  for (const v of row) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) return `value ${String(v)} is not a pixel`;
  }
  return null;
}
