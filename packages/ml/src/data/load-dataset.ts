import { canonicalJson, confineDataPath, type DatasetSpec, datasetShape, escapeForMessage } from '@distillery/spec';
import { DatasetError } from '../errors.ts';
import { loadCifar10Bin } from './cifar10-bin.ts';
import { loadCsvSet } from './csv-dataset.ts';
import type { Dataset } from './dataset.ts';
import { DatasetCache } from './dataset-cache.ts';
import { loadFashionMnist } from './fashion-mnist.ts';
import { loadIdxSplits } from './idx-dataset.ts';
import { loadImageFolder } from './image-folder.ts';
import { loadMnist } from './mnist.ts';
import { loadNpySet } from './npy-dataset.ts';
import { isSharedDataset, shareDataset } from './shared-dataset.ts';
import { makeSynthetic, syntheticSizes } from './synthetic.ts';

const cache = new DatasetCache();
/** Whether loaded sets are kept in SharedArrayBuffers (see `configureDatasetCache`). */
let shareLoaded = false;

/**
 * Where `loadDataset` gets its sets from instead of loading them itself: a training thread asks its process's
 * main thread, which loads each set once and shares it with every thread (see `useDatasetSource`).
 */
export type DatasetSource = (spec: DatasetSpec, options: LoadDatasetOptions) => Dataset;

let source: DatasetSource | undefined;

export interface LoadDatasetOptions {
  /**
   * Folders a `dataset.path` (idx, cifar10-bin, image-folder, npy, csv) must resolve into, symlinks included: checked on every load,
   * cached or not, and again for every file read. @defaultValue [] (no path-based data set loads)
   */
  dataRoots?: readonly string[];
}

/**
 * The whole data set of `spec`, loaded once per process and cached (LRU by bytes, see `configureDatasetCache`).
 * A path-based set loads only from inside `options.dataRoots`. Synthetic sets are generated only up to
 * `spec.limit` rows. Shapes and class counts always agree with `datasetShape(spec)`, which sized the model
 * before training.
 */
export function loadDataset(spec: DatasetSpec, options: LoadDatasetOptions = {}): Dataset {
  if (source) return source(spec, options);
  const expected = datasetShape(spec);
  let load: () => Dataset;
  let key: string;
  switch (spec.name) {
    case 'mnist':
      [key, load] = ['mnist', () => loadMnist()];
      break;
    case 'fashion-mnist':
      [key, load] = ['fashion-mnist', () => loadFashionMnist()];
      break;
    case 'synthetic': {
      const sizes = syntheticSizes(spec.limit);
      key = canonicalJson({ name: spec.name, ...expected, sizes });
      load = () => makeSynthetic(expected.shape, expected.classes, 0, sizes);
      break;
    }
    case 'idx':
    case 'cifar10-bin': {
      const at = confinedFolder(spec, options.dataRoots ?? []);
      key = canonicalJson({ name: spec.name, folder: at.folder, ...expected });
      load = spec.name === 'idx' ? () => loadIdxSplits(at, expected) : () => loadCifar10Bin(at);
      break;
    }
    case 'image-folder':
    case 'npy':
    case 'csv': {
      const at = confinedFolder(spec, options.dataRoots ?? []);
      key = canonicalJson({ name: spec.name, folder: at.folder, ...expected, label: spec.label });
      if (spec.name === 'image-folder') load = () => loadImageFolder(at, expected);
      else if (spec.name === 'npy') load = () => loadNpySet(at, expected);
      else load = () => loadCsvSet(at, { ...expected, label: spec.label });
      break;
    }
    default:
      throw new DatasetError('DATASET_UNSUPPORTED', `unknown dataset ${escapeForMessage(String(spec.name))}`);
  }
  const hit = cache.get(key);
  if (hit && (!shareLoaded || isSharedDataset(hit))) return hit;
  if (hit) {
    const shared = shareDataset(hit);
    cache.set(key, shared);
    return shared;
  }
  const d = shareLoaded ? shareDataset(load()) : load();
  cache.set(key, d);
  return d;
}

function confinedFolder(spec: DatasetSpec, roots: readonly string[]) {
  if (!spec.path) throw new DatasetError('DATASET_FILE', `dataset '${spec.name}' needs a path to its files`);
  const display = escapeForMessage(spec.path);
  const confined = confineDataPath(spec.path, roots);
  if (!confined.inside) {
    throw new DatasetError(
      'DATASET_PATH',
      `dataset.path ${display} is outside the data roots: it must resolve, symlinks included, inside a configured data root`,
    );
  }
  return { folder: confined.realPath, roots, display };
}

export interface DatasetCacheOptions {
  /** The cache's bound, in bytes (what no longer fits is evicted at once). @defaultValue unchanged (1 GiB at first) */
  maxBytes?: number;
  /**
   * Keep the sets loaded from now on in SharedArrayBuffers, so that worker threads handed one share it instead
   * of copying it (one extra copy when a set loads). @defaultValue unchanged (false at first)
   */
  shared?: boolean;
}

/** Bounds this thread's data-set cache and says whether the sets it loads are shared with worker threads. */
export function configureDatasetCache(options: DatasetCacheOptions): void {
  if (options.maxBytes !== undefined) cache.resize(options.maxBytes);
  if (options.shared !== undefined) shareLoaded = options.shared;
}

/**
 * Makes this thread's `loadDataset` ask `next` for every set instead of loading and caching it here (undefined:
 * load here again). A training thread installs its main thread as the source, so that a process holds each
 * data set once, however many threads train on it.
 */
export function useDatasetSource(next: DatasetSource | undefined): void {
  source = next;
}

/** What the cache holds now: entries and bytes. */
export function datasetCacheUsage(): { entries: number; bytes: number } {
  return { entries: cache.size, bytes: cache.bytes };
}

/** Forgets the cached data sets. */
export function clearDatasetCache(): void {
  cache.clear();
}
