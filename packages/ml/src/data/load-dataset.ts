import { canonicalJson, type DatasetSpec, datasetShape } from '@distillery/spec';
import { DatasetError } from '../errors.ts';
import { loadCifar10Bin } from './cifar10-bin.ts';
import type { Dataset } from './dataset.ts';
import { loadFashionMnist } from './fashion-mnist.ts';
import { loadIdxSplits } from './idx-dataset.ts';
import { loadMnist } from './mnist.ts';
import { makeSynthetic } from './synthetic.ts';

const cache = new Map<string, Dataset>();

/** What identifies the loaded data (limit and validation are applied per run, on top). */
function cacheKey(spec: DatasetSpec): string {
  const { name, path, shape, classes } = spec;
  return canonicalJson({ name, path, shape, classes });
}

/**
 * The whole data set of `spec`, loaded once per process and cached (keyed by name, path, shape and classes).
 * Shapes and class counts always agree with `datasetShape(spec)`, which sized the model before training.
 */
export function loadDataset(spec: DatasetSpec): Dataset {
  const key = cacheKey(spec);
  const hit = cache.get(key);
  if (hit) return hit;
  const expected = datasetShape(spec);
  let d: Dataset;
  switch (spec.name) {
    case 'mnist':
      d = loadMnist();
      break;
    case 'fashion-mnist':
      d = loadFashionMnist();
      break;
    case 'synthetic':
      d = makeSynthetic(expected.shape, expected.classes);
      break;
    case 'idx':
      d = loadIdxSplits(requirePath(spec), expected);
      break;
    case 'cifar10-bin':
      d = loadCifar10Bin(requirePath(spec));
      break;
    default:
      throw new DatasetError('DATASET_UNSUPPORTED', `unknown dataset '${(spec as { name: string }).name}'`);
  }
  cache.set(key, d);
  return d;
}

function requirePath(spec: DatasetSpec): string {
  if (!spec.path) throw new DatasetError('DATASET_FILE', `dataset '${spec.name}' needs a path to its files`);
  return spec.path;
}

/** Forgets the cached data sets (tests; a worker keeps them for its lifetime). */
export function clearDatasetCache(): void {
  cache.clear();
}
