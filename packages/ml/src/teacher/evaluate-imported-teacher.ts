import {
  datasetShape,
  escapeForMessage,
  type ImportedTeacherRunConfig,
  inputFits,
  modelBytes,
  readTeacherArtifact,
  type TeacherArtifact,
  TeacherArtifactError,
  type TensorInfo,
  teacherArtifactIssues,
  tensorSize,
} from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { measureArtifactSize } from '../artifact/artifact-size.ts';
import { saveModelArtifact } from '../artifact/model-artifact.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { runDataFacts, selectRunData } from '../data/run-data.ts';
import { ArtifactError, abortError, RunConfigError } from '../errors.ts';
import type { RunOutcome } from '../run/execute-run.ts';
import { evaluateAndPredict } from '../train/evaluate.ts';
import { teacherArtifactHandler } from './teacher-artifact-handler.ts';

export interface ImportedTeacherInput {
  config: ImportedTeacherRunConfig;
  dataRoots: readonly string[];
  backend: string;
  signal?: AbortSignal | undefined;
}

/**
 * The run of an imported teacher: reads its tfjs layers model folder (inside the data roots), checks it is the
 * files the sweep was submitted with (their digest) and that it fits the data set (input shape, one output per
 * class), evaluates it on the test split, and stores it as a Distillery model artifact (float32 weights, logit
 * output), from which students and QAT variants distil like from a trained teacher. No training: its result is
 * the evaluation. Mistakes are RunConfigErrors naming `teacher.model.artifact`, failing the run at its start.
 */
export async function evaluateImportedTeacher(input: ImportedTeacherInput): Promise<RunOutcome> {
  const { config, dataRoots, backend, signal } = input;
  const spec = config.model;
  const display = escapeForMessage(spec.artifact);
  let artifact: TeacherArtifact;
  try {
    artifact = readTeacherArtifact(spec.artifact, dataRoots, display);
  } catch (e) {
    if (e instanceof TeacherArtifactError)
      throw new RunConfigError(`teacher.model.artifact: ${e.message}`, { cause: e });
    throw e;
  }
  if (spec.digest !== null && artifact.digest !== spec.digest) {
    throw new RunConfigError(
      `teacher.model.artifact: the files in ${display} changed since the sweep was submitted (their digest differs); submit it again to use them`,
    );
  }
  const shape = datasetShape(config.dataset);
  const [issue] = teacherArtifactIssues(artifact, shape, config.dataset.name);
  if (issue) throw new RunConfigError(`${issue.path}: ${issue.message}`);
  const dataset = loadDataset(config.dataset, { dataRoots });
  const data = selectRunData(dataset, config.dataset);
  if (signal?.aborted) throw abortError(signal);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(teacherArtifactHandler(artifact, display));
  } catch (e) {
    if (e instanceof RunConfigError) throw e;
    // tfjs's message names the layer or weight it could not build (e.g. an unknown custom layer class).
    throw new RunConfigError(
      `teacher.model.artifact ${display}: tfjs cannot build the model (${String((e as Error).message).slice(0, 300)})`,
      { cause: e },
    );
  }
  try {
    const inputShape = model.inputs[0]?.shape ?? [];
    const outputShape = model.outputs[0]?.shape ?? [];
    if (model.inputs.length !== 1 || !inputFits(inputShape, shape.shape)) {
      const [h, w, c] = shape.shape;
      throw new RunConfigError(
        `teacher.model.artifact: the model takes inputs of shape [${inputShape.map((d) => d ?? 'null').join(', ')}], but dataset '${config.dataset.name}' has rows of shape [${h}, ${w}, ${c}]: the model's input must be [null, ${h * w * c}] or [null, ${h}, ${w}, ${c}]`,
      );
    }
    if (model.outputs.length !== 1 || outputShape.length !== 2 || outputShape[1] !== shape.classes) {
      throw new RunConfigError(
        `teacher.model.artifact: the model outputs shape [${outputShape.map((d) => d ?? 'null').join(', ')}], but dataset '${config.dataset.name}' has ${shape.classes} classes: it needs one output per class`,
      );
    }
    const layout = inputShape.length === 2 ? 'flat' : 'image';
    const { evaluation: test, predictions: testPredictions } = await evaluateAndPredict(
      model,
      data.test,
      dataset,
      layout,
    );
    const tensors: TensorInfo[] = model.weights.map((w) => ({
      name: w.originalName,
      shape: w.shape as number[],
      trainable: w.trainable,
    }));
    const saved = await saveModelArtifact(model, {
      tensors,
      metadata: {
        kind: config.kind,
        config,
        backend,
        bits: 32,
        imported: { artifact: spec.artifact, digest: artifact.digest, files: artifact.files.map((f) => f.name) },
        test: { accuracy: test.accuracy, loss: test.loss, count: test.count },
        data: runDataFacts(data),
      },
    });
    const size = measureArtifactSize(saved);
    if (size.bytes !== modelBytes(tensors)) {
      throw new ArtifactError(
        `packed weights are ${size.bytes} bytes, not the ${modelBytes(tensors)} of float32 tensors`,
      );
    }
    return {
      accuracy: test.accuracy,
      loss: test.loss,
      parameters: tensors.reduce((n, t) => n + tensorSize(t), 0),
      bytes: size.bytes,
      sizeBreakdown: size,
      bits: 32,
      backend,
      trainPath: null,
      splitDigest: data.splitDigest,
      testPredictions,
      artifact: saved,
    };
  } finally {
    model.dispose();
  }
}
