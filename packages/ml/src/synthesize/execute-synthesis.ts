import { createHash } from 'node:crypto';
import {
  canonicalJson,
  datasetShape,
  type EpochMetrics,
  predictSynthesisSize,
  type SizeBreakdown,
  type SynthesizeRunConfig,
} from '@distillery/spec';
import { loadModelArtifact } from '../artifact/model-artifact.ts';
import type { ModelArtifact } from '../artifact/packed-artifact.ts';
import {
  encodeSyntheticDataset,
  SYNTHETIC_INPUTS,
  SYNTHETIC_JSON,
  SYNTHETIC_LABELS,
} from '../artifact/synthetic-dataset.ts';
import { ArtifactError, RunConfigError } from '../errors.ts';
import type { RunOutcome } from '../run/execute-run.ts';
import { artifactDigest, type CheckpointIdentity, type TrainingCheckpoint } from '../train/checkpoint.ts';
import { decodeSynthesisCheckpoint, encodeSynthesisCheckpoint } from './synthesis-checkpoint.ts';
import { synthesizeInputs } from './synthesize-inputs.ts';
import { TeacherProbe } from './teacher-probe.ts';

export interface ExecuteSynthesisInput {
  config: SynthesizeRunConfig;
  teacher: ModelArtifact | undefined;
  backend: string;
  onEpoch?: ((m: EpochMetrics) => void | Promise<void>) | undefined;
  resumeFrom?: TrainingCheckpoint | undefined;
  onCheckpoint?: ((checkpoint: TrainingCheckpoint) => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * A synthesize run: inputs made from the frozen teacher alone (`synthesizeInputs`), stored as a data set
 * artifact. Its result describes the data, not a model: accuracy is the fraction of samples the teacher
 * classifies as their label (1 by construction for bns and gaussian, whose labels are its predictions; the hit
 * rate of the target classes for inception), loss the mean of the batches' final losses (the BNS loss for bns
 * and gaussian — 0 for gaussian from a teacher without BatchNorm — the inception loss for inception),
 * parameters the stored input values and bytes the payload, which must equal packages/spec's prediction. Each
 * batch is an "epoch": progress, checkpoints and resume go batch by batch.
 */
export async function executeSynthesis(input: ExecuteSynthesisInput): Promise<RunOutcome> {
  const { config, backend } = input;
  if (!input.teacher) throw new RunConfigError("a synthesize run needs its teacher's artifact as parent");
  const { shape, classes } = datasetShape(config.dataset);
  const features = shape[0] * shape[1] * shape[2];
  const identity: CheckpointIdentity = { config, parent: artifactDigest(input.teacher.files), backend };
  const resume = input.resumeFrom
    ? decodeSynthesisCheckpoint(input.resumeFrom, identity, config.data.samples, features)
    : undefined;
  const teacher = await loadModelArtifact(input.teacher);
  try {
    const probe = new TeacherProbe(teacher);
    const state = await synthesizeInputs({
      probe,
      data: config.data,
      shape,
      classes,
      ...(resume ? { resume } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
      onBatch: async (batch, s) => {
        await input.onEpoch?.({
          epoch: batch.batch,
          epochs: batch.batches,
          trainLoss: batch.loss,
          trainAccuracy: batch.agreement,
          valLoss: null,
          valAccuracy: null,
          learningRate: config.data.lr,
          seconds: batch.seconds,
        });
        const rows = Math.min(config.data.samples, s.batches * config.data.batchSize);
        await input.onCheckpoint?.(encodeSynthesisCheckpoint(s, rows, features, identity));
      },
    });
    const histogram = new Array<number>(classes).fill(0);
    for (const label of state.labels) histogram[label] = (histogram[label] as number) + 1;
    const loss = state.losses.reduce((a, b) => a + b, 0) / state.losses.length;
    const files = encodeSyntheticDataset({
      shape,
      classes,
      data: config.data,
      inputs: state.inputs,
      labels: state.labels,
      metadata: { kind: 'synthesize', config, backend, teacher: identity.parent, loss, histogram },
    });
    const size = measureSyntheticSize(files);
    const predicted = predictSynthesisSize(config);
    const { parameters: _p, bits: _b, estimated: _e, ...plannedBreakdown } = predicted;
    if (canonicalJson(size) !== canonicalJson(plannedBreakdown)) {
      throw new ArtifactError(
        `the data set is ${canonicalJson(size)}, packages/spec predicts ${canonicalJson(predicted)}`,
      );
    }
    const digest = createHash('sha256');
    for (const f of files) if (f.name !== SYNTHETIC_JSON) digest.update(f.data);
    return {
      accuracy: state.hits / config.data.samples,
      loss,
      parameters: predicted.parameters,
      bytes: size.bytes,
      sizeBreakdown: size,
      bits: 8,
      backend,
      trainPath: null,
      // No model, so no predictions on the test split (replicates' agreement is a property of models).
      testPredictions: null,
      splitDigest: digest.digest('hex'),
      artifact: { files },
    };
  } finally {
    teacher.dispose();
  }
}

/** The payload of a synthetic data set's artifact, in SizeBreakdown's terms (see predictSynthesisSize). */
export function measureSyntheticSize(files: readonly { name: string; data: Uint8Array }[]): SizeBreakdown {
  const length = (name: string) => files.find((f) => f.name === name)?.data.length ?? 0;
  const codeBytes = length(SYNTHETIC_INPUTS);
  const headerBytes = length(SYNTHETIC_LABELS);
  return {
    bytes: codeBytes + headerBytes,
    codeBytes,
    headerBytes,
    floatBytes: 0,
    quantizedValues: codeBytes,
    indexBytes: 0,
    prunedValues: 0,
    quantizedFraction: codeBytes === 0 ? 0 : 1,
  };
}
