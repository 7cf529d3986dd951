import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';
import { readIdxFile } from './idx-reader.ts';

/** Accepted file names per split and kind, in order of preference (LeCun's names first). */
const FILE_NAMES = {
  train: {
    images: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte', 'train-images-idx4-ubyte'],
    labels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  },
  test: {
    images: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte', 'test-images-idx3-ubyte', 't10k-images-idx4-ubyte'],
    labels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte', 'test-labels-idx1-ubyte'],
  },
} as const;

function findFile(folder: string, names: readonly string[]): string {
  for (const name of names) {
    for (const candidate of [name, `${name}.gz`]) {
      const path = join(folder, candidate);
      if (existsSync(path)) return path;
    }
  }
  throw new DatasetError(
    'DATASET_FILE',
    `no IDX file in ${folder} named ${names.map((n) => `${n}[.gz]`).join(' or ')}`,
  );
}

/**
 * Reads an IDX data set from a folder holding train/t10k images and labels (MNIST's layout). Images must be
 * ubyte of dims [n, h, w] or [n, h, w, c] matching `expected.shape`; labels ubyte [n] below `expected.classes`.
 */
export function loadIdxSplits(folder: string, expected: { shape: [number, number, number]; classes: number }): Dataset {
  const files: Record<string, string> = {};
  const split = (which: 'train' | 'test'): DatasetSplit => {
    const imagesFile = findFile(folder, FILE_NAMES[which].images);
    const labelsFile = findFile(folder, FILE_NAMES[which].labels);
    files[`${which}Images`] = imagesFile;
    files[`${which}Labels`] = labelsFile;
    const images = readIdxFile(imagesFile);
    const labels = readIdxFile(labelsFile);
    if (images.type !== 'ubyte' || !(images.data instanceof Uint8Array)) {
      throw new DatasetError('DATASET_FORMAT', `IDX file ${imagesFile}: images must be ubyte, found ${images.type}`);
    }
    if (labels.type !== 'ubyte' || !(labels.data instanceof Uint8Array) || labels.dims.length !== 1) {
      throw new DatasetError(
        'DATASET_FORMAT',
        `IDX file ${labelsFile}: labels must be one-dimensional ubyte, found ${labels.type} ${labels.dims.join('×')}`,
      );
    }
    const [n, h, w, c = 1] = images.dims as [number, number, number, number?];
    const [eh, ew, ec] = expected.shape;
    if (images.dims.length < 3 || images.dims.length > 4 || h !== eh || w !== ew || c !== ec) {
      throw new DatasetError(
        'DATASET_FORMAT',
        `IDX file ${imagesFile}: images are ${images.dims.join('×')}, expected n×${eh}×${ew}${ec === 1 ? '' : `×${ec}`} (dataset shape [${expected.shape.join(', ')}])`,
      );
    }
    if (labels.dims[0] !== n) {
      throw new DatasetError(
        'DATASET_FORMAT',
        `IDX file ${labelsFile}: ${labels.dims[0]} labels for ${n} images in ${imagesFile}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if ((labels.data[i] as number) >= expected.classes) {
        throw new DatasetError(
          'DATASET_FORMAT',
          `IDX file ${labelsFile}: label ${labels.data[i]} at row ${i} is not below the ${expected.classes} classes`,
        );
      }
    }
    return { images: images.data, labels: labels.data, count: n };
  };
  const train = split('train');
  const test = split('test');
  return {
    name: 'idx',
    shape: expected.shape,
    classes: expected.classes,
    train,
    test,
    provenance: { files, train: train.count, test: test.count },
  };
}
