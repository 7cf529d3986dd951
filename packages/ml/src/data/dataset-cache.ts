import type { Dataset } from './dataset.ts';

/**
 * The default bound of a process's data-set cache: 1 GiB holds MNIST, Fashion-MNIST and CIFAR-10 at once
 * (~55, ~55 and ~185 MB) with room for a few custom sets.
 */
export const DEFAULT_DATASET_CACHE_BYTES = 2 ** 30;

/** Bytes a data set holds in memory: the pixels and labels of both splits. */
export function datasetBytes(d: Dataset): number {
  return d.train.images.byteLength + d.train.labels.byteLength + d.test.images.byteLength + d.test.labels.byteLength;
}

/**
 * Loaded data sets by key, least recently used first out, bounded by their bytes: adding one evicts the least
 * recently used until the total fits `maxBytes`. A data set larger than the bound on its own is not kept (its
 * run still uses it). Runs hold their data set while they train, so eviction never pulls data from under one.
 */
export class DatasetCache {
  private readonly entries = new Map<string, { dataset: Dataset; bytes: number }>();
  private total = 0;

  /** @param maxBytes the bound, in bytes; 0 keeps nothing. @defaultValue DEFAULT_DATASET_CACHE_BYTES */
  constructor(private maxBytes: number = DEFAULT_DATASET_CACHE_BYTES) {
    checkMaxBytes(maxBytes);
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Dataset | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, hit);
    return hit.dataset;
  }

  set(key: string, dataset: Dataset): void {
    this.delete(key);
    const bytes = datasetBytes(dataset);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { dataset, bytes });
    this.total += bytes;
    this.evict();
  }

  /** Changes the bound, evicting at once what no longer fits. */
  resize(maxBytes: number): void {
    checkMaxBytes(maxBytes);
    this.maxBytes = maxBytes;
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.total -= old.bytes;
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.total <= this.maxBytes) break;
      this.delete(key);
    }
  }
}

function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`the data-set cache bound must be a whole number of bytes ≥ 0, got ${maxBytes}`);
  }
}
