import { join } from 'node:path';
import { DatasetError } from '../errors.ts';
import { present } from './data-file.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';
import { type IdxHeader, readIdxFile } from './idx-reader.ts';

/** Accepted file names per split and kind, in order of preference (LeCun's names first); each may end in `.gz`. */
export const IDX_FILE_NAMES = {
  train: {
    images: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte', 'train-images-idx4-ubyte'],
    labels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  },
  test: {
    images: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte', 'test-images-idx3-ubyte', 't10k-images-idx4-ubyte'],
    labels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte', 'test-labels-idx1-ubyte'],
  },
} as const;

/** Where an IDX folder is and how to name it in messages. */
export interface IdxFolder {
  /** The folder's real path, already checked against `roots`. */
  folder: string;
  /** Folders every file must resolve into (a file may be a symlink, but not to outside them). */
  roots: readonly string[];
  /** The folder as the user wrote it, escaped for messages. */
  display: string;
}

function findFile(at: IdxFolder, names: readonly string[]): { file: string; name: string } {
  for (const name of names) {
    for (const candidate of [name, `${name}.gz`]) {
      const file = join(at.folder, candidate);
      if (present(file)) return { file, name: candidate };
    }
  }
  throw new DatasetError(
    'DATASET_FILE',
    `no IDX file in ${at.display} named ${names.map((n) => `${n}[.gz]`).join(' or ')}`,
  );
}

/**
 * Reads an IDX data set from a folder holding train/t10k images and labels (MNIST's layout, IDX_FILE_NAMES).
 * Images must be ubyte of dims [n, h, w] or [n, h, w, c] matching `expected.shape`; labels ubyte [n] below
 * `expected.classes`. Headers are checked before the values are read, so a file of the wrong shape or
 * type costs no decompression.
 */
export function loadIdxSplits(at: IdxFolder, expected: { shape: [number, number, number]; classes: number }): Dataset {
  const files: Record<string, string> = {};
  const [eh, ew, ec] = expected.shape;
  const split = (which: 'train' | 'test'): DatasetSplit => {
    const imagesFile = findFile(at, IDX_FILE_NAMES[which].images);
    const labelsFile = findFile(at, IDX_FILE_NAMES[which].labels);
    files[`${which}Images`] = imagesFile.name;
    files[`${which}Labels`] = labelsFile.name;
    const imagesName = `${at.display}/${imagesFile.name}`;
    const labelsName = `${at.display}/${labelsFile.name}`;
    const format = (name: string, rule: string) => new DatasetError('DATASET_FORMAT', `IDX file ${name}: ${rule}`);
    const imagesRule = `images must be ubyte of dims n×${eh}×${ew}${ec === 1 ? '' : `×${ec}`} (dataset shape [${expected.shape.join(', ')}])`;
    const images = readIdxFile(imagesFile.file, {
      roots: at.roots,
      display: imagesName,
      checkHeader: (h: IdxHeader) => {
        const [, height, width, channels = 1] = h.dims;
        const fits = h.dims.length >= 3 && h.dims.length <= 4 && height === eh && width === ew && channels === ec;
        if (h.type !== 'ubyte' || !fits) throw format(imagesName, imagesRule);
      },
    });
    const n = images.dims[0] as number;
    const labels = readIdxFile(labelsFile.file, {
      roots: at.roots,
      display: labelsName,
      checkHeader: (h: IdxHeader) => {
        if (h.type !== 'ubyte' || h.dims.length !== 1) throw format(labelsName, 'labels must be one-dimensional ubyte');
        if (h.dims[0] !== n) throw format(labelsName, `there must be one label per image in ${imagesName}`);
      },
    });
    for (let i = 0; i < n; i++) {
      if ((labels.data[i] as number) >= expected.classes) {
        throw format(labelsName, `the label at row ${i} is not below the ${expected.classes} classes`);
      }
    }
    return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, count: n };
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
