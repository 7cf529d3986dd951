import { join } from 'node:path';
import { confineDataPath } from '@distillery/spec';
import { DatasetError } from '../errors.ts';
import { openDataFile, present } from './data-file.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';
import type { IdxFolder } from './idx-dataset.ts';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
/** One record of the official binary format: a label byte, then 1024 R, 1024 G, 1024 B bytes (row-major). */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PIXELS;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/** The largest batch file accepted: the official ones hold 10,000 records (~30 MB). */
export const CIFAR10_MAX_BATCH_BYTES = 100_000 * CIFAR10_RECORD_BYTES;

/**
 * CIFAR-10 from the official binary batches in `at.folder` (or its `cifar-10-batches-bin` subfolder): the five
 * data batches for training (those present, at least one), test_batch.bin for testing. Pixels are converted
 * from planar CHW to HWC.
 */
export function loadCifar10Bin(at: IdxFolder): Dataset {
  const nested = join(at.folder, 'cifar-10-batches-bin');
  const useNested = !present(join(at.folder, CIFAR10_TEST_FILE)) && present(nested);
  const display = useNested ? `${at.display}/cifar-10-batches-bin` : at.display;
  let dir = at.folder;
  if (useNested) {
    // The subfolder may be a link: its files are looked up only where they may be read.
    const confined = confineDataPath(nested, at.roots);
    if (!confined.inside)
      throw new DatasetError('DATASET_PATH', `data folder ${display} resolves outside the data roots`);
    dir = confined.realPath;
  }
  const trainFiles = CIFAR10_TRAIN_FILES.filter((f) => present(join(dir, f)));
  if (trainFiles.length === 0) {
    throw new DatasetError(
      'DATASET_FILE',
      `no CIFAR-10 training batch (${CIFAR10_TRAIN_FILES.join(', ')}) in ${display}`,
    );
  }
  const read = (names: readonly string[]) =>
    readBatches(
      names.map((name) => ({ file: join(dir, name), display: `${display}/${name}` })),
      at.roots,
    );
  const train = read(trainFiles);
  const test = read([CIFAR10_TEST_FILE]);
  return {
    name: 'cifar10-bin',
    shape: [SIDE, SIDE, 3],
    classes: 10,
    train,
    test,
    provenance: { trainFiles, testFile: CIFAR10_TEST_FILE, train: train.count, test: test.count },
  };
}

function readBatches(files: { file: string; display: string }[], roots: readonly string[]): DatasetSplit {
  const parts = files.map(({ file, display }) => {
    const data = openDataFile(file, { roots, display });
    try {
      if (data.size === 0 || data.size % CIFAR10_RECORD_BYTES !== 0 || data.size > CIFAR10_MAX_BATCH_BYTES) {
        throw new DatasetError(
          'DATASET_FORMAT',
          `CIFAR-10 batch ${display}: must be a whole number of ${CIFAR10_RECORD_BYTES}-byte records, at most ${CIFAR10_MAX_BATCH_BYTES / CIFAR10_RECORD_BYTES}`,
        );
      }
      return { file: display, bytes: data.read(0, data.size) };
    } finally {
      data.close();
    }
  });
  const count = parts.reduce((n, p) => n + p.bytes.length / CIFAR10_RECORD_BYTES, 0);
  const images = new Uint8Array(count * 3 * PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  for (const { file, bytes } of parts) {
    for (let r = 0; r < bytes.length / CIFAR10_RECORD_BYTES; r++, row++) {
      const base = r * CIFAR10_RECORD_BYTES;
      const label = bytes[base] as number;
      if (label > 9) {
        throw new DatasetError('DATASET_FORMAT', `CIFAR-10 batch ${file}: the label of record ${r} is not 0–9`);
      }
      labels[row] = label;
      const out = row * 3 * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        images[out + p * 3] = bytes[base + 1 + p] as number;
        images[out + p * 3 + 1] = bytes[base + 1 + PIXELS + p] as number;
        images[out + p * 3 + 2] = bytes[base + 1 + 2 * PIXELS + p] as number;
      }
    }
  }
  return { images, labels, count };
}
