import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { DatasetError } from '../errors.ts';
import { openDataFile, present } from './data-file.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';
import type { IdxFolder } from './idx-dataset.ts';
import { NPY_MAX_BYTES, type NpyArray, parseNpy, readNpyFile } from './npy-reader.ts';
import { scaleFeatures } from './scale-features.ts';

/** The arrays of an `npy` data set: files `<name>.npy` in a folder, or members of an `.npz` (Keras's mnist.npz). */
export const NPY_ARRAY_NAMES = ['x_train', 'y_train', 'x_test', 'y_test'] as const;
type ArrayName = (typeof NPY_ARRAY_NAMES)[number];

/** The largest `.npz` file accepted, compressed: its four arrays at their limit. */
export const NPZ_MAX_BYTES = 4 * NPY_MAX_BYTES;

export interface NpyExpected {
  shape: [number, number, number];
  classes: number;
}

/**
 * An `npy` data set: `x_train`, `y_train`, `x_test`, `y_test` from four `.npy` files in a folder, or from one
 * `.npz` file (`at.folder` is then the file). `x` is [n, h, w], [n, h, w, c] or [n, h·w·c] matching
 * `expected.shape`: `uint8` values are pixels (÷ 255 when batched, like the built-in sets), any other type
 * real-valued features, scaled to [0, 1] with the training split's per-feature range. `y` is integers
 * [n] or [n, 1] below `expected.classes`.
 */
export function loadNpySet(at: IdxFolder, expected: NpyExpected): Dataset {
  const isNpz = at.folder.toLowerCase().endsWith('.npz');
  const arrays = isNpz ? readNpz(at) : readNpyFolder(at);
  const where = (name: ArrayName) => (isNpz ? `${at.display}:${name}.npy` : `${at.display}/${name}.npy`);
  const features = expected.shape[0] * expected.shape[1] * expected.shape[2];
  const x = (name: 'x_train' | 'x_test') => {
    const a = arrays[name];
    const [n = 0, ...rest] = a.shape;
    const [h, w, c] = expected.shape;
    const fits =
      a.shape.length >= 2 &&
      (rest.join('x') === `${h}x${w}x${c}` ||
        (c === 1 && rest.join('x') === `${h}x${w}`) ||
        (rest.length === 1 && rest[0] === features));
    if (!fits) {
      throw format(
        where(name),
        `x must be [n, ${h}, ${w}${c === 1 ? '' : `, ${c}`}] or [n, ${features}] (dataset shape [${expected.shape.join(', ')}]), not [${a.shape.join(', ')}]`,
      );
    }
    return { n, array: a };
  };
  const y = (name: 'y_train' | 'y_test', n: number) => {
    const a = arrays[name];
    const fits = (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) && a.shape[0] === n;
    if (!fits) throw format(where(name), `y must be [${n}] or [${n}, 1]: one label per row of x`);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = a.data[i] as number;
      if (!Number.isInteger(v) || v < 0 || v >= expected.classes) {
        throw format(where(name), `the label at row ${i} is not an integer in [0, ${expected.classes})`);
      }
      labels[i] = v;
    }
    return labels;
  };
  const train = x('x_train');
  const test = x('x_test');
  const trainLabels = y('y_train', train.n);
  const testLabels = y('y_test', test.n);
  const pixels = train.array.type === 'u1' && test.array.type === 'u1';
  let trainImages: Uint8Array | Float32Array;
  let testImages: Uint8Array | Float32Array;
  if (pixels) {
    [trainImages, testImages] = [train.array.data as Uint8Array, test.array.data as Uint8Array];
  } else {
    for (const name of ['x_train', 'x_test'] as const) {
      if (arrays[name].data.some((v) => !Number.isFinite(v))) throw format(where(name), 'x holds NaN or infinity');
    }
    const scaled = scaleFeatures(train.array.data, test.array.data, features);
    [trainImages, testImages] = [scaled.train, scaled.test];
  }
  const split = (images: Uint8Array | Float32Array, labels: Int32Array, count: number): DatasetSplit => ({
    images,
    labels,
    count,
  });
  return {
    name: 'npy',
    shape: expected.shape,
    classes: expected.classes,
    train: split(trainImages, trainLabels, train.n),
    test: split(testImages, testLabels, test.n),
    provenance: {
      format: isNpz ? 'npz' : 'npy',
      x: pixels
        ? 'uint8 pixels'
        : `${train.array.type}/${test.array.type} features scaled to [0, 1] by the training range`,
      train: train.n,
      test: test.n,
    },
  };
}

function format(name: string, problem: string): DatasetError {
  return new DatasetError('DATASET_FORMAT', `.npy array ${name}: ${problem}`);
}

function readNpyFolder(at: IdxFolder): Record<ArrayName, NpyArray> {
  const out = {} as Record<ArrayName, NpyArray>;
  for (const name of NPY_ARRAY_NAMES) {
    const file = join(at.folder, `${name}.npy`);
    const display = `${at.display}/${name}.npy`;
    if (!present(file))
      throw new DatasetError(
        'DATASET_FILE',
        `no ${name}.npy in ${at.display} (an npy data set needs ${NPY_ARRAY_NAMES.map((n) => `${n}.npy`).join(', ')})`,
      );
    out[name] = readNpyFile(file, { roots: at.roots, display });
  }
  return out;
}

/**
 * The four arrays of an `.npz` (a zip, stored or deflated, as `np.savez` and `np.savez_compressed` write). Only
 * the wanted members are inflated, each into a buffer of the size its zip entry declares (at most
 * NPY_MAX_BYTES), and each must then be exactly the array its header announces.
 */
function readNpz(at: IdxFolder): Record<ArrayName, NpyArray> {
  const data = openDataFile(at.folder, { roots: at.roots, display: at.display });
  let bytes: Uint8Array;
  try {
    if (data.size > NPZ_MAX_BYTES) {
      throw new DatasetError('DATASET_FORMAT', `.npz file ${at.display}: larger than the ${NPZ_MAX_BYTES}-byte limit`);
    }
    bytes = data.read(0, data.size);
  } finally {
    data.close();
  }
  const wanted = new Set<string>(NPY_ARRAY_NAMES.map((n) => `${n}.npy`));
  const tooLarge: string[] = [];
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        if (!wanted.has(f.name)) return false;
        if (f.originalSize > NPY_MAX_BYTES) tooLarge.push(f.name);
        return f.originalSize <= NPY_MAX_BYTES;
      },
    });
  } catch {
    throw new DatasetError('DATASET_FORMAT', `.npz file ${at.display}: not a readable zip archive`);
  }
  if (tooLarge.length > 0) {
    throw new DatasetError(
      'DATASET_FORMAT',
      `.npz file ${at.display}:${tooLarge[0]}: larger than the ${NPY_MAX_BYTES}-byte limit`,
    );
  }
  const out = {} as Record<ArrayName, NpyArray>;
  for (const name of NPY_ARRAY_NAMES) {
    const member = members[`${name}.npy`];
    if (!member) {
      throw new DatasetError(
        'DATASET_FILE',
        `.npz file ${at.display} has no array '${name}' (an npy data set needs ${NPY_ARRAY_NAMES.join(', ')})`,
      );
    }
    out[name] = parseNpy(member, `${at.display}:${name}.npy`);
  }
  return out;
}
