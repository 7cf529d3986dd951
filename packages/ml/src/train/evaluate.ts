import { encodeTestPredictions } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { argMaxRows } from '../crembo/allowed-labels.ts';
import type { Dataset } from '../data/dataset.ts';
import { makeBatch, type RowSet } from '../data/run-data.ts';
import { crossEntropy } from './kd-loss.ts';

export const EVAL_BATCH_SIZE = 500;

export interface Evaluation {
  /** Mean cross-entropy. */
  loss: number;
  accuracy: number;
  count: number;
}

/** Loss and accuracy of `model` in inference mode on `rows` (NaN for an empty set). */
export async function evaluate(
  model: tf.LayersModel,
  rows: RowSet,
  dataset: Pick<Dataset, 'shape'>,
  layout: 'flat' | 'image',
): Promise<Evaluation> {
  const n = rows.indices.length;
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < n; from += EVAL_BATCH_SIZE) {
    const to = Math.min(n, from + EVAL_BATCH_SIZE);
    const batch = makeBatch(rows, rows.indices, from, to, dataset, layout);
    const [loss, hits] = tf.tidy(() => {
      const logits = model.apply(batch.x, { training: false }) as tf.Tensor;
      const labels = tf.tensor1d(batch.labels, 'int32');
      return [crossEntropy(logits, labels).mul(to - from), logits.argMax(-1).equal(labels).sum()];
    });
    lossSum += (await (loss as tf.Tensor).data())[0] as number;
    correct += (await (hits as tf.Tensor).data())[0] as number;
    tf.dispose([batch.x, loss, hits]);
  }
  return { loss: n ? lossSum / n : Number.NaN, accuracy: n ? correct / n : Number.NaN, count: n };
}

/** Logits of `model` (inference mode) for rows[order[i]], as one [n × classes] array. */
export async function predictLogits(
  model: tf.LayersModel,
  rows: RowSet,
  order: Int32Array,
  dataset: Pick<Dataset, 'shape' | 'classes'>,
  layout: 'flat' | 'image',
): Promise<Float32Array> {
  const n = order.length;
  const out = new Float32Array(n * dataset.classes);
  for (let from = 0; from < n; from += EVAL_BATCH_SIZE) {
    const to = Math.min(n, from + EVAL_BATCH_SIZE);
    const batch = makeBatch(rows, order, from, to, dataset, layout);
    const logits = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor);
    out.set(await logits.data(), from * dataset.classes);
    tf.dispose([batch.x, logits]);
  }
  return out;
}

/**
 * The class `model` predicts (its first largest logit) for each of `rows`, in their order, one byte each (see
 * encodeTestPredictions); null for more than 256 classes.
 */
export async function predictTestClasses(
  model: tf.LayersModel,
  rows: RowSet,
  dataset: Pick<Dataset, 'shape' | 'classes'>,
  layout: 'flat' | 'image',
): Promise<Uint8Array | null> {
  if (dataset.classes > 256) return null;
  const logits = await predictLogits(model, rows, rows.indices, dataset, layout);
  return encodeTestPredictions(argMaxRows(logits, dataset.classes), dataset.classes);
}
