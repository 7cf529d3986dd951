import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatasetSpec, DatasetSpec as DatasetSpecSchema } from '@distillery/spec';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { clearDatasetCache, loadDataset } from '../src/data/load-dataset.ts';
import { selectRunData } from '../src/data/run-data.ts';
import { DatasetError } from '../src/index.ts';
import { encodeNpy } from './fixtures/encode-npy.ts';

const root = mkdtempSync(join(tmpdir(), 'distillery-user-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const roots = [root];

function folder(name: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function load(spec: DatasetSpec) {
  clearDatasetCache();
  return loadDataset(DatasetSpecSchema.parse(spec), { dataRoots: roots });
}

/** A 4×3 RGBA image whose every pixel is (v, v, v) — grey, so 1-channel loading keeps v exactly. */
function greyRgba(v: number, width = 4, height = 3): Buffer {
  return Buffer.from(Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : v)));
}

function png(v: number, width = 4, height = 3): Buffer {
  return pngjs.PNG.sync.write({ width, height, data: greyRgba(v, width, height) } as pngjs.PNG);
}

function jpg(v: number, width = 4, height = 3): Buffer {
  return jpeg.encode({ width, height, data: greyRgba(v, width, height) }, 100).data;
}

/** train/<class>/… and test/<class>/…: class `a` images are dark (PNG), class `b` bright (JPEG). */
function writeImageFolder(name: string, trainPerClass: number, testPerClass: number): string {
  const base = folder(name);
  for (const [split, n] of [
    ['train', trainPerClass],
    ['test', testPerClass],
  ] as const) {
    const a = folder(`${name}/${split}/a`);
    const b = folder(`${name}/${split}/b`);
    for (let i = 0; i < n; i++) {
      writeFileSync(join(a, `${i}.png`), png(10 + i));
      writeFileSync(join(b, `${i}.jpg`), jpg(200));
    }
  }
  return base;
}

describe('the image-folder data set', () => {
  const path = writeImageFolder('images', 5, 2);
  const spec: DatasetSpec = { name: 'image-folder', path, shape: [3, 4, 1], classes: 2 };

  it('decodes PNG and JPEG images, one folder per class, classes numbered by folder name', () => {
    const d = load(spec);
    expect([d.train.count, d.test.count, d.shape, d.classes]).toEqual([10, 4, [3, 4, 1], 2]);
    expect(Array.from(d.train.labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // PNG is lossless: the third image of class a is grey 12 in every pixel.
    expect(Array.from(d.train.images.subarray(2 * 12, 3 * 12))).toEqual(Array(12).fill(12));
    // JPEG at quality 100 of a flat grey image decodes to within a step of it.
    for (const v of d.train.images.subarray(5 * 12, 6 * 12)) expect(Math.abs(v - 200)).toBeLessThanOrEqual(1);
    expect(d.provenance).toMatchObject({ classes: ['a', 'b'], train: 10, test: 4 });
  });

  it('applies limit and the validation hold-out like the built-in sets, and digests the split', () => {
    const d = load({ ...spec, limit: { train: 8, test: 3 }, validation: 0.25 });
    const rows = selectRunData(d, { ...spec, limit: { train: 8, test: 3 }, validation: 0.25 });
    expect([rows.train.indices.length, rows.validation.indices.length, rows.test.indices.length]).toEqual([6, 2, 3]);
    expect(rows.splitDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(selectRunData(d, spec).splitDigest).not.toBe(rows.splitDigest);
  });

  it('keeps three channels for an RGB shape', () => {
    const base = folder('rgb');
    for (const split of ['train', 'test']) {
      for (const [cls, rgb] of [
        ['red', [250, 0, 0]],
        ['blue', [0, 0, 250]],
      ] as const) {
        const data = Buffer.alloc(2 * 2 * 4).map((_, i) => (i % 4 === 3 ? 255 : (rgb[i % 4] as number)));
        mkdirSync(join(base, split, cls), { recursive: true });
        writeFileSync(
          join(base, split, cls, 'x.png'),
          pngjs.PNG.sync.write({ width: 2, height: 2, data } as pngjs.PNG),
        );
      }
    }
    const d = load({ name: 'image-folder', path: base, shape: [2, 2, 3], classes: 2 });
    // Classes in name order: blue = 0, red = 1.
    expect(Array.from(d.train.labels)).toEqual([0, 1]);
    expect(Array.from(d.train.images.subarray(0, 3))).toEqual([0, 0, 250]);
    expect(Array.from(d.train.images.subarray(12, 15))).toEqual([250, 0, 0]);
  });

  it('names the image and the problem: a corrupt file, a wrong size, a missing split, a wrong class count', () => {
    const bad = writeImageFolder('bad-images', 2, 1);
    writeFileSync(join(bad, 'train/a/1.png'), Buffer.concat([png(1).subarray(0, 40), Buffer.from('SECRET')]));
    expect(() => load({ ...spec, path: bad })).toThrow(
      new DatasetError('DATASET_FORMAT', `image "${bad}"/train/a/1.png: a corrupt PNG (it does not decode)`),
    );
    writeFileSync(join(bad, 'train/a/1.png'), png(1, 5, 3));
    expect(() => load({ ...spec, path: bad })).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `image "${bad}"/train/a/1.png: images must be 4×3 (width × height; dataset shape [3, 4, 1])`,
      ),
    );
    writeFileSync(join(bad, 'train/a/1.png'), Buffer.from('SECRET-BYTES'));
    expect(() => load({ ...spec, path: bad })).toThrow(
      new DatasetError('DATASET_FORMAT', `image "${bad}"/train/a/1.png: neither a PNG nor a JPEG (by its signature)`),
    );
    writeFileSync(join(bad, 'train/a/1.png'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x53, 0x45]));
    expect(() => load({ ...spec, path: bad })).toThrow(/image ".*"\/train\/a\/1\.png: a corrupt JPEG/);
    expect(() => load({ ...spec, path: bad, classes: 3 })).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `image folder "${bad}"/train: it holds 2 class folders, the data set declares 3 classes`,
      ),
    );
    const noTest = folder('no-test');
    mkdirSync(join(noTest, 'train/a'), { recursive: true });
    mkdirSync(join(noTest, 'train/b'), { recursive: true });
    expect(() => load({ ...spec, path: noTest })).toThrow(
      new DatasetError('DATASET_FILE', `image folder "${noTest}" has no test/ folder (one folder per class inside)`),
    );
  });
});

const X_TRAIN = Uint8Array.from({ length: 6 * 4 }, (_, i) => (i * 7) % 256);
const Y_TRAIN = [0, 1, 2, 0, 1, 2];
const X_TEST = Uint8Array.from({ length: 3 * 4 }, (_, i) => 255 - i);
const Y_TEST = [2, 1, 0];

describe('the npy data set', () => {
  it('writes .npy bytes exactly as numpy 2.4 does (the fixture encoder is checked against np.save)', () => {
    // python3 -c "import numpy as np, io; b = io.BytesIO(); np.save(b, np.array([1, 0, 2], dtype=np.uint8)); print(b.getvalue().hex())"
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }`;
    const numpy = Buffer.concat([
      Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, 0x76, 0]),
      Buffer.from(header.padEnd(117, ' ')),
      Buffer.from([0x0a, 1, 0, 2]),
    ]);
    expect(Buffer.from(encodeNpy('u1', [3], [1, 0, 2])).toString('hex')).toBe(numpy.toString('hex'));
  });

  it('reads x_train, y_train, x_test, y_test from a folder of .npy files (uint8 pixels, int64 labels)', () => {
    const path = folder('npy');
    writeFileSync(join(path, 'x_train.npy'), encodeNpy('u1', [6, 2, 2], X_TRAIN));
    writeFileSync(join(path, 'y_train.npy'), encodeNpy('i8', [6], Y_TRAIN));
    writeFileSync(join(path, 'x_test.npy'), encodeNpy('u1', [3, 4], X_TEST));
    writeFileSync(join(path, 'y_test.npy'), encodeNpy('i8', [3, 1], Y_TEST));
    const d = load({ name: 'npy', path, shape: [2, 2, 1], classes: 3 });
    expect([d.train.count, d.test.count]).toEqual([6, 3]);
    expect(Array.from(d.train.images)).toEqual(Array.from(X_TRAIN));
    expect(Array.from(d.test.labels)).toEqual(Y_TEST);
    const rows = selectRunData(d, { name: 'npy', path, shape: [2, 2, 1], classes: 3, limit: { train: 4, test: 2 } });
    expect([rows.train.indices.length, rows.test.indices.length]).toEqual([4, 2]);
  });

  it('reads an .npz (stored or deflated) and scales float features to [0, 1] by the training range', () => {
    const xTrain = [0, 10, -1, 2, 1, 6];
    const members = {
      'x_train.npy': encodeNpy('f4', [3, 2], xTrain),
      'y_train.npy': encodeNpy('i8', [3], [0, 1, 1]),
      'x_test.npy': encodeNpy('f8', [1, 2], [1, 8]),
      'y_test.npy': encodeNpy('u1', [1], [1]),
    };
    for (const level of [0, 6] as const) {
      const path = join(root, `set-${level}.npz`);
      writeFileSync(path, zipSync(members, { level }));
      const d = load({ name: 'npy', path, shape: [1, 2, 1], classes: 2 });
      expect(d.train.images).toBeInstanceOf(Float32Array);
      // Feature 0 spans [-1, 1], feature 1 [2, 10].
      expect(Array.from(d.train.images)).toEqual([0.5, 1, 0, 0, 1, 0.5]);
      expect(Array.from(d.test.images)).toEqual([1, 0.75]);
      expect(Array.from(d.train.labels)).toEqual([0, 1, 1]);
      expect(selectRunData(d, { name: 'npy', path, shape: [1, 2, 1], classes: 2 }).splitDigest).toMatch(
        /^[0-9a-f]{64}$/,
      );
    }
  });

  it('names the file and the problem: missing, truncated, wrong shape, labels out of range, not a zip', () => {
    const path = folder('npy-bad');
    writeFileSync(join(path, 'x_train.npy'), encodeNpy('u1', [6, 2, 2], X_TRAIN));
    writeFileSync(join(path, 'y_train.npy'), encodeNpy('i8', [6], Y_TRAIN));
    writeFileSync(join(path, 'x_test.npy'), encodeNpy('u1', [3, 4], X_TEST));
    const spec: DatasetSpec = { name: 'npy', path, shape: [2, 2, 1], classes: 3 };
    expect(() => load(spec)).toThrow(
      new DatasetError(
        'DATASET_FILE',
        `no y_test.npy in "${path}" (an npy data set needs x_train.npy, y_train.npy, x_test.npy, y_test.npy)`,
      ),
    );
    writeFileSync(join(path, 'y_test.npy'), encodeNpy('i8', [3], [0, 1, 3]));
    expect(() => load(spec)).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `.npy array "${path}"/y_test.npy: the label at row 2 is not an integer in [0, 3)`,
      ),
    );
    writeFileSync(join(path, 'y_test.npy'), encodeNpy('i8', [3], Y_TEST).subarray(0, 140));
    expect(() => load(spec)).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `.npy array "${path}"/y_test.npy: its size disagrees with its header (truncated or padded)`,
      ),
    );
    writeFileSync(join(path, 'y_test.npy'), Buffer.from('SECRET-CONTENT'));
    expect(() => load(spec)).toThrow(
      new DatasetError('DATASET_FORMAT', `.npy array "${path}"/y_test.npy: not an .npy array (no \\x93NUMPY magic)`),
    );
    writeFileSync(join(path, 'y_test.npy'), encodeNpy('i8', [3], Y_TEST));
    expect(() => load({ ...spec, shape: [3, 3, 1] })).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `.npy array "${path}"/x_train.npy: x must be [n, 3, 3] or [n, 9] (dataset shape [3, 3, 1]), not [6, 2, 2]`,
      ),
    );
    const notZip = join(root, 'broken.npz');
    writeFileSync(notZip, 'SECRET-NOT-A-ZIP');
    expect(() => load({ ...spec, path: notZip })).toThrow(
      new DatasetError('DATASET_FORMAT', `.npz file "${notZip}": not a readable zip archive`),
    );
    const partial = join(root, 'partial.npz');
    writeFileSync(partial, zipSync({ 'x_train.npy': encodeNpy('u1', [6, 4], X_TRAIN) }));
    expect(() => load({ ...spec, path: partial })).toThrow(
      new DatasetError(
        'DATASET_FILE',
        `.npz file "${partial}" has no array 'y_train' (an npy data set needs x_train, y_train, x_test, y_test)`,
      ),
    );
  });
});

describe('the csv data set', () => {
  const header = 'f0,f1,label,f2';
  function writeCsv(name: string, train: string, test: string): string {
    const path = folder(name);
    writeFileSync(join(path, 'train.csv'), train);
    writeFileSync(join(path, 'test.csv'), test);
    return path;
  }

  it('reads features and a label column by name, class names numbered in name order', () => {
    const path = writeCsv(
      'csv',
      `${header}\n1,2,setosa,3\n3,2,virginica,1\n2,4,setosa,2\n\n5,0,versicolor,0\n`,
      `${header}\r\n4,1,versicolor,2\r\n`,
    );
    const d = load({ name: 'csv', path, shape: [1, 3, 1], classes: 3 });
    expect([d.train.count, d.test.count]).toEqual([4, 1]);
    expect(Array.from(d.train.labels)).toEqual([0, 2, 0, 1]);
    expect(Array.from(d.test.labels)).toEqual([1]);
    // f0 spans [1, 5], f1 [0, 4], f2 [0, 3]: the first row is (0, 0.5, 1).
    expect(Array.from(d.train.images.subarray(0, 3))).toEqual([0, 0.5, 1]);
    expect(d.provenance).toMatchObject({ classNames: ['setosa', 'versicolor', 'virginica'] });
    const rows = selectRunData(d, { name: 'csv', path, shape: [1, 3, 1], classes: 3, validation: 0.5 });
    expect([rows.train.indices.length, rows.validation.indices.length]).toEqual([2, 2]);
  });

  it('takes integer labels as class indices, and another label column by `label`', () => {
    const path = writeCsv('csv-int', 'a,b,y\n0.5,1,1\n0.25,2,0\n', 'a,b,y\n0,0,1\n');
    const d = load({ name: 'csv', path, shape: [1, 2, 1], classes: 2, label: 'y' });
    expect(Array.from(d.train.labels)).toEqual([1, 0]);
    expect(Array.from(d.test.images)).toEqual([-1, -1]);
  });

  it('names the file, record and column of what is wrong, never a value from the file', () => {
    const spec = (path: string): DatasetSpec => ({ name: 'csv', path, shape: [1, 3, 1], classes: 2 });
    const bad = writeCsv('csv-bad', `${header}\n1,2,0,SECRET\n`, `${header}\n1,2,1,3\n`);
    expect(() => load(spec(bad))).toThrow(
      new DatasetError('DATASET_FORMAT', `CSV file "${bad}"/train.csv: record 1, column 4: not a finite number`),
    );
    const ragged = writeCsv('csv-ragged', `${header}\n1,2,0,3\n1,SECRET\n`, `${header}\n1,2,1,3\n`);
    expect(() => load(spec(ragged))).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `CSV file "${ragged}"/train.csv: not valid CSV at line 3 (CSV_RECORD_INCONSISTENT_FIELDS_LENGTH)`,
      ),
    );
    const noLabel = writeCsv('csv-no-label', 'a,b,c,d\n1,2,3,4\n', 'a,b,c,d\n1,2,3,4\n');
    expect(() => load(spec(noLabel))).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `CSV file "${noLabel}"/train.csv: its header must name the label column "label" exactly once`,
      ),
    );
    const outOfRange = writeCsv('csv-range', `${header}\n1,2,0,3\n`, `${header}\n1,2,7,3\n`);
    expect(() => load(spec(outOfRange))).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `CSV file "${outOfRange}"/test.csv: record 1: the label is not an integer in [0, 2)`,
      ),
    );
    expect(() => load({ ...spec(outOfRange), shape: [1, 4, 1] })).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        `CSV file "${outOfRange}"/train.csv: it has 3 feature columns besides the label, the data set shape needs 4`,
      ),
    );
    const missing = folder('csv-missing');
    writeFileSync(join(missing, 'train.csv'), `${header}\n1,2,0,3\n`);
    expect(() => load(spec(missing))).toThrow(
      new DatasetError('DATASET_FILE', `no test.csv in "${missing}" (a csv data set needs train.csv and test.csv)`),
    );
  });
});

describe('the spec of a user data set', () => {
  it('requires a path, a shape and a class count, so that sizes are known before any file is read', () => {
    const parsed = DatasetSpecSchema.safeParse({ name: 'csv' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toMatchInlineSnapshot(`
      [
        "path: dataset 'csv' needs a path to its files",
        "shape: dataset 'csv' needs its shape [height, width, channels]: the model is sized before its files are read",
        "classes: dataset 'csv' needs its number of classes: the model is sized before its files are read",
      ]
    `);
  });
});
