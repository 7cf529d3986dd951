import {
  canonicalJson,
  modelSize,
  predictRunSize,
  prunedTensorIndices,
  type SparseSupport,
  surpStreamBytes,
  tensorSize,
} from '@distillery/spec';
import type * as tf from '@tensorflow/tfjs';
import { measureArtifactSize } from '../artifact/artifact-size.ts';
import { saveModelArtifact } from '../artifact/model-artifact.ts';
import { runDataFacts } from '../data/run-data.ts';
import { ArtifactError } from '../errors.ts';
import { maskCount } from '../prune/magnitude-mask.ts';
import type { SurpResult } from '../prune/surp.ts';
import type { QuantizedTensor } from '../quantize/bucket-quantize.ts';
import type { PqTensor } from '../quantize/pq-tensor.ts';
import { evaluateAndPredict } from '../train/evaluate.ts';
import type { TrainPath } from '../train/train-model.ts';
import type { CremboFacts, RunOutcome } from './execute-run.ts';
import type { RunPlan } from './run-plan.ts';

/** What a run's model ended with, besides its weights: its quantized tensors, masks, SuRP stream, train path. */
export interface FinishedModel {
  quantized: Map<number, QuantizedTensor | PqTensor>;
  masks: Map<number, Uint8Array>;
  surp: SurpResult | null;
  trainPath: TrainPath | null;
  /** What a CREMBO run's search found (kept in the artifact's metadata); null for other runs. */
  crembo: CremboFacts | null;
}

/**
 * A run's final model evaluated on the test rows and saved as its artifact, whose measured size must equal what
 * packages/spec predicts (and the plan predicted): the RunOutcome of a run of `plan`.
 */
export async function finishRun(plan: RunPlan, model: tf.LayersModel, finished: FinishedModel): Promise<RunOutcome> {
  const { config, tensors, bits, backend, data } = plan;
  const { quantized, masks, surp, trainPath, crembo } = finished;
  const { evaluation: test, predictions: testPredictions } = await evaluateAndPredict(
    model,
    data.test,
    plan.dataset,
    plan.io,
  );
  const pool = prunedTensorIndices(tensors);
  const artifact = await saveModelArtifact(model, {
    tensors,
    quantized,
    masks,
    ...(surp && config.prune?.method === 'surp'
      ? { surp: { pool, bytes: surp.bytes, alpha: config.prune.alpha, nonzeros: surp.nonzeros } }
      : {}),
    metadata: {
      kind: config.kind,
      config,
      backend,
      trainPath,
      bits,
      test: { accuracy: test.accuracy, loss: test.loss, count: test.count },
      data: runDataFacts(data),
      ...(crembo ? { crembo } : {}),
      ...(surp
        ? {
            surp: {
              steps: surp.steps,
              resets: surp.resets,
              sparsity: surp.sparsity,
              reachedTarget: surp.reachedTarget,
            },
          }
        : {}),
    },
  });
  const size = measureArtifactSize(artifact);
  // What the pruning kept, from the run's own masks or SuRP's stream statistics — not read off the artifact.
  const support: SparseSupport | undefined = surp
    ? {
        layout: 'surp',
        pool,
        nonzeros: surp.nonzeros,
        streamBytes: surpStreamBytes({
          poolTensors: pool.length,
          symbolBits: surp.symbolBits,
          nonzeros: surp.nonzeros,
        }),
      }
    : masks.size > 0
      ? { layout: 'bitmap', nonzeros: new Map([...masks].map(([i, m]) => [i, maskCount(m)])) }
      : undefined;
  const predicted = modelSize(tensors, plan.uniform ?? plan.pqLayout, support);
  if (canonicalJson(size) !== canonicalJson(predicted)) {
    throw new ArtifactError(
      `packed weights are ${canonicalJson(size)}, packages/spec predicts ${canonicalJson(predicted)}`,
    );
  }
  const planned = predictRunSize(config);
  if (!planned.estimated && planned.bytes !== size.bytes) {
    throw new ArtifactError(`packed weights are ${size.bytes} bytes, the plan predicted ${planned.bytes}`);
  }
  return {
    accuracy: test.accuracy,
    loss: test.loss,
    parameters: tensors.reduce((n, t) => n + tensorSize(t), 0),
    bytes: size.bytes,
    sizeBreakdown: size,
    bits,
    backend,
    trainPath,
    splitDigest: data.splitDigest,
    testPredictions,
    artifact,
  };
}
