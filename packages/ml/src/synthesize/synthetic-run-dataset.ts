import { canonicalJson, type DatasetSpec, datasetShape, type SyntheticData } from '@distillery/spec';
import type { ModelArtifact } from '../artifact/packed-artifact.ts';
import { decodeSyntheticDataset, type SyntheticDataset } from '../artifact/synthetic-dataset.ts';
import type { Dataset, DatasetSplit } from '../data/dataset.ts';
import { RunConfigError } from '../errors.ts';
import { artifactDigest } from '../train/checkpoint.ts';

/**
 * The data set a run on synthetic data uses: the synthetic samples as its training split (the real training
 * split is not part of it at all) and the real test split; and the data spec to select its rows with — the
 * validation hold-out comes out of the synthetic samples, `limit.test` still limits the test rows, `limit.train`
 * (a limit of the real training split) does not apply. Refused before any work when the artifact is missing or
 * was made for other data.
 */
export function syntheticRunDataset(
  real: Dataset,
  spec: DatasetSpec,
  data: SyntheticData,
  artifact: ModelArtifact | undefined,
): { dataset: Dataset; spec: DatasetSpec } {
  if (!artifact) throw new RunConfigError("a run on synthetic data needs its synthesize run's data set artifact");
  const synthetic = decodeSyntheticDataset(artifact.files);
  if (canonicalJson(synthetic.data) !== canonicalJson(data)) {
    throw new RunConfigError(
      `the synthetic data set was made as ${canonicalJson(synthetic.data)}, the run asks for ${canonicalJson(data)}`,
    );
  }
  const { shape, classes } = datasetShape(spec);
  if (synthetic.shape.join('x') !== shape.join('x') || synthetic.classes !== classes) {
    throw new RunConfigError(
      `the synthetic data set is ${synthetic.shape.join('×')} with ${synthetic.classes} classes, the data set ${shape.join('×')} with ${classes}`,
    );
  }
  const dataset: Dataset = {
    name: real.name,
    shape: real.shape,
    classes: real.classes,
    train: syntheticSplit(synthetic),
    test: real.test,
    provenance: {
      ...real.provenance,
      train: { ...data, artifact: artifactDigest(artifact.files) },
    },
  };
  const { limit, ...rest } = spec;
  const test = limit?.test;
  return { dataset, spec: { ...rest, ...(test === undefined ? {} : { limit: { test } }) } };
}

/** The synthetic samples as a training split (labels widened to int32). */
export function syntheticSplit(d: Pick<SyntheticDataset, 'inputs' | 'labels'>): DatasetSplit {
  return { images: d.inputs, labels: Int32Array.from(d.labels), count: d.labels.length };
}
