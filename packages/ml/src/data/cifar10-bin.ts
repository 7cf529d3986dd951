import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
/** One record of the official binary format: a label byte, then 1024 R, 1024 G, 1024 B bytes (row-major). */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PIXELS;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/**
 * CIFAR-10 from the official binary batches in `folder` (or its `cifar-10-batches-bin` subfolder): the five
 * data batches for training (those present, at least one), test_batch.bin for testing. Pixels are converted
 * from planar CHW to HWC.
 */
export function loadCifar10Bin(folder: string): Dataset {
  const nested = join(folder, 'cifar-10-batches-bin');
  const dir = existsSync(join(folder, CIFAR10_TEST_FILE)) || !existsSync(nested) ? folder : nested;
  const trainFiles = CIFAR10_TRAIN_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  if (trainFiles.length === 0) {
    throw new DatasetError('DATASET_FILE', `no CIFAR-10 training batch (${CIFAR10_TRAIN_FILES.join(', ')}) in ${dir}`);
  }
  const testFile = join(dir, CIFAR10_TEST_FILE);
  const train = readBatches(trainFiles);
  const test = readBatches([testFile]);
  return {
    name: 'cifar10-bin',
    shape: [SIDE, SIDE, 3],
    classes: 10,
    train,
    test,
    provenance: { folder: dir, trainFiles, testFile, train: train.count, test: test.count },
  };
}

function readBatches(files: string[]): DatasetSplit {
  const parts = files.map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new DatasetError(
        'DATASET_FILE',
        `cannot read CIFAR-10 batch ${file}: ${(e as NodeJS.ErrnoException).code}`,
        {
          cause: e,
        },
      );
    }
    if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
      throw new DatasetError(
        'DATASET_FORMAT',
        `CIFAR-10 batch ${file}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records`,
      );
    }
    return { file, bytes };
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
        throw new DatasetError('DATASET_FORMAT', `CIFAR-10 batch ${file}: record ${r} has label ${label}, not 0–9`);
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
