import { encodeTestPredictions } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { argMaxRows } from '../crembo/allowed-labels.ts';
import { type Dataset, featureCount } from '../data/dataset.ts';
import { type Batch, makeBatch, type RowSet } from '../data/run-data.ts';
import { scaledRows } from '../data/scaled-rows.ts';
import { crossEntropy } from './kd-loss.ts';

/**
 * Rows per evaluation batch: what one inference call takes at once. Each batch costs a fixed few milliseconds
 * (its tensors, the layers' apply, three reads back) besides its rows, and for the small MLPs of a sweep that is
 * most of a pass: one 10,000-row pass of a 784-16-16-10 MLP took 98–110 ms of CPU in batches of 500, 46–50 in
 * batches of 2,000 and 40 in one batch (tfjs-wasm, 2-core Xeon). Images stay at 500: a CNN's activations for
 * thousands of rows at once would take hundreds of MB of the thread's wasm memory.
 */
export function evalBatchSize(layout: 'flat' | 'image'): number {
  return layout === 'flat' ? 2500 : 500;
}

export interface Evaluation {
  /** Mean cross-entropy. */
  loss: number;
  accuracy: number;
  count: number;
}

/**
 * Rows `rows.indices[from..to)` as a batch, copied from the row set's scaled rows where they are kept (the same
 * values makeBatch computes), else made by makeBatch. The caller disposes `x`.
 */
function evaluationBatch(
  rows: RowSet,
  from: number,
  to: number,
  dataset: Pick<Dataset, 'shape'>,
  layout: 'flat' | 'image',
): Batch {
  const features = featureCount(dataset);
  const scaled = scaledRows(rows, features);
  if (!scaled) return makeBatch(rows, rows.indices, from, to, dataset, layout);
  const n = to - from;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rows.split.labels[rows.indices[from + i] as number] as number;
  const shape = layout === 'flat' ? [n, features] : [n, ...dataset.shape];
  return { x: tf.tensor(scaled.subarray(from * features, to * features), shape, 'float32'), labels };
}

/**
 * One pass of `model` (inference mode) over `rows`: loss and accuracy, and — given `predictClasses`, the number
 * of classes — the class it predicts for each row (its first largest logit).
 */
async function evaluateRows(
  model: tf.LayersModel,
  rows: RowSet,
  dataset: Pick<Dataset, 'shape'>,
  layout: 'flat' | 'image',
  predictClasses: number | null,
): Promise<{ evaluation: Evaluation; predicted: Int32Array | null }> {
  const n = rows.indices.length;
  let lossSum = 0;
  let correct = 0;
  const predicted = predictClasses === null ? null : new Int32Array(n);
  const size = evalBatchSize(layout);
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    const batch = evaluationBatch(rows, from, to, dataset, layout);
    const [logits, loss, hits] = tf.tidy(() => {
      const out = model.apply(batch.x, { training: false }) as tf.Tensor;
      const labels = tf.tensor1d(batch.labels, 'int32');
      return [out, crossEntropy(out, labels).mul(to - from), out.argMax(-1).equal(labels).sum()];
    });
    lossSum += (await (loss as tf.Tensor).data())[0] as number;
    correct += (await (hits as tf.Tensor).data())[0] as number;
    if (predicted && predictClasses !== null) {
      predicted.set(argMaxRows((await logits.data()) as Float32Array, predictClasses), from);
    }
    tf.dispose([batch.x, logits, loss, hits]);
  }
  const evaluation = { loss: n ? lossSum / n : Number.NaN, accuracy: n ? correct / n : Number.NaN, count: n };
  return { evaluation, predicted };
}

/** Loss and accuracy of `model` in inference mode on `rows` (NaN for an empty set). */
export async function evaluate(
  model: tf.LayersModel,
  rows: RowSet,
  dataset: Pick<Dataset, 'shape'>,
  layout: 'flat' | 'image',
): Promise<Evaluation> {
  return (await evaluateRows(model, rows, dataset, layout, null)).evaluation;
}

/**
 * {@link evaluate} and the class `model` predicts for each of `rows` (its first largest logit, one byte each: see
 * encodeTestPredictions; null for more than 256 classes), in one pass over the rows: what a finished run reports
 * of its test rows.
 */
export async function evaluateAndPredict(
  model: tf.LayersModel,
  rows: RowSet,
  dataset: Pick<Dataset, 'shape' | 'classes'>,
  layout: 'flat' | 'image',
): Promise<{ evaluation: Evaluation; predictions: Uint8Array | null }> {
  const predictClasses = dataset.classes <= 256 ? dataset.classes : null;
  const { evaluation, predicted } = await evaluateRows(model, rows, dataset, layout, predictClasses);
  return { evaluation, predictions: predicted ? encodeTestPredictions(predicted, dataset.classes) : null };
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
  const size = evalBatchSize(layout);
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    const batch =
      order === rows.indices
        ? evaluationBatch(rows, from, to, dataset, layout)
        : makeBatch(rows, order, from, to, dataset, layout);
    const logits = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor);
    out.set(await logits.data(), from * dataset.classes);
    tf.dispose([batch.x, logits]);
  }
  return out;
}
