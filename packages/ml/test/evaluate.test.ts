import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureCount } from '../src/data/dataset.ts';
import { makeBatch, type RowSet } from '../src/data/run-data.ts';
import { SCALED_ROWS_MAX_BYTES, scaledRows } from '../src/data/scaled-rows.ts';
import { makeSynthetic } from '../src/data/synthetic.ts';
import { evalBatchSize, evaluate, evaluateAndPredict } from '../src/train/evaluate.ts';
import { crossEntropy } from '../src/train/kd-loss.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const dataset = makeSynthetic([4, 4, 1], 3, 7, { train: 1300, test: 6000 });
const features = featureCount(dataset);

function model(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [features], units: 8, activation: 'relu', kernelInitializer: 'glorotUniform' }));
  m.add(tf.layers.dense({ units: 3 }));
  return m;
}

/** Every row set's loss, accuracy and classes as the model computes them batch by batch from makeBatch's rows. */
function reference(m: tf.LayersModel, rows: RowSet) {
  const n = rows.indices.length;
  let lossSum = 0;
  let correct = 0;
  const classes: number[] = [];
  for (let from = 0; from < n; from += evalBatchSize('flat')) {
    const to = Math.min(n, from + evalBatchSize('flat'));
    const batch = makeBatch(rows, rows.indices, from, to, dataset, 'flat');
    tf.tidy(() => {
      const logits = m.apply(batch.x, { training: false }) as tf.Tensor;
      const labels = tf.tensor1d(batch.labels, 'int32');
      lossSum += crossEntropy(logits, labels)
        .mul(to - from)
        .dataSync()[0] as number;
      correct += logits.argMax(-1).equal(labels).sum().dataSync()[0] as number;
      classes.push(...logits.argMax(-1).dataSync());
    });
    batch.x.dispose();
  }
  return { loss: lossSum / n, accuracy: correct / n, classes };
}

describe('evaluation on a row set', () => {
  it('gives makeBatch’s very rows, once scaled and kept', () => {
    const rows: RowSet = { split: dataset.test, indices: Int32Array.from([5, 0, 1199, 17]) };
    const scaled = scaledRows(rows, features) as Float32Array;
    const batch = makeBatch(rows, rows.indices, 0, 4, dataset, 'flat');
    expect(Array.from(scaled)).toEqual(Array.from(batch.x.dataSync()));
    batch.x.dispose();
    // Another selection of the same rows shares the kept copy; a different one does not.
    expect(scaledRows({ split: dataset.test, indices: rows.indices.slice() }, features)).toBe(scaled);
    expect(scaledRows({ split: dataset.test, indices: Int32Array.from([5, 0, 1199, 18]) }, features)).not.toBe(scaled);
  });

  it('keeps no copy of a row set larger than the bound', () => {
    const huge = { split: dataset.train, indices: new Int32Array(SCALED_ROWS_MAX_BYTES / 4 / features + 1) };
    expect(scaledRows(huge, features)).toBeNull();
  });

  it('reports the loss, accuracy and predicted classes the model computes, in one pass', async () => {
    const m = model();
    // More rows than a batch holds, and not a whole number of batches.
    const rows: RowSet = { split: dataset.test, indices: Int32Array.from({ length: 6000 }, (_, i) => i) };
    expect(6000 % evalBatchSize('flat')).toBeGreaterThan(0);
    const expected = reference(m, rows);
    const before = tf.memory().numTensors;
    const { evaluation, predictions } = await evaluateAndPredict(m, rows, dataset, 'flat');
    const again = await evaluate(m, rows, dataset, 'flat');
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluation).toEqual({ loss: expected.loss, accuracy: expected.accuracy, count: 6000 });
    expect(again).toEqual(evaluation);
    expect(Array.from(predictions as Uint8Array)).toEqual(expected.classes);
    m.dispose();
  });

  it('reports NaN on an empty row set', async () => {
    const m = model();
    const { evaluation, predictions } = await evaluateAndPredict(
      m,
      { split: dataset.test, indices: new Int32Array(0) },
      dataset,
      'flat',
    );
    expect(evaluation.count).toBe(0);
    expect(evaluation.loss).toBeNaN();
    expect(predictions?.length).toBe(0);
    m.dispose();
  });
});
