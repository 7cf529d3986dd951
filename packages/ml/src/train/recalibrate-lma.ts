import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.ts';
import { makeBatch, type RowSet } from '../data/run-data.ts';
import { LMA } from '../layers/lma.ts';
import { evalBatchSize } from './evaluate.ts';

/** The exact statistics one recalibration pass gave an LMA layer. */
export interface LmaRecalibration {
  layer: string;
  mean: number;
  std: number;
  /** Values pooled: rows × units (× positions). */
  count: number;
}

/**
 * Sets the running μ and σ of every LMA layer with `statistics: 'recalibrate'` to the exact mean and
 * (population) standard deviation of its input over `rows`, in inference mode with the model's current weights —
 * what the moving averages estimate, without their start and lag. Layers are done in order, one pass each up to
 * the layer, so every layer sees its inputs as inference will produce them (with the earlier LMA layers already
 * recalibrated). Per-batch moments are pooled in double precision (Chan et al.'s parallel update), so the result
 * does not depend on the batch size beyond float32 rounding inside a batch.
 */
export async function recalibrateLma(
  model: tf.Sequential | tf.LayersModel,
  rows: RowSet,
  dataset: Pick<Dataset, 'shape'>,
  layout: 'flat' | 'image',
): Promise<LmaRecalibration[]> {
  const layers = model.layers;
  const out: LmaRecalibration[] = [];
  const n = rows.indices.length;
  if (n === 0) return out;
  for (let target = 0; target < layers.length; target++) {
    const lma = layers[target];
    if (!(lma instanceof LMA) || lma.statistics !== 'recalibrate') continue;
    // A functional model (an SMH model's layers take the pool as a second input) is not a chain: its part up to
    // the layer is the graph from the model's input to the layer's input. It shares the model's layers and
    // weights (not disposed here: that would dispose them).
    const upTo =
      model instanceof tf.Sequential
        ? null
        : tf.model({ inputs: model.inputs, outputs: lma.input as tf.SymbolicTensor });
    let count = 0;
    let mean = 0;
    let m2 = 0;
    const size = evalBatchSize(layout);
    for (let from = 0; from < n; from += size) {
      const to = Math.min(n, from + size);
      const batch = makeBatch(rows, rows.indices, from, to, dataset, layout);
      const moments = tf.tidy(() => {
        let x = batch.x;
        if (upTo) x = upTo.apply(x, { training: false }) as tf.Tensor;
        else
          for (let i = 0; i < target; i++)
            x = (layers[i] as tf.layers.Layer).apply(x, { training: false }) as tf.Tensor;
        const m = tf.moments(x);
        return [m.mean, m.variance, tf.scalar(x.size)];
      });
      const [bMean, bVar, bCount] = (await Promise.all(moments.map((t) => t.data()))).map((d) => d[0] as number) as [
        number,
        number,
        number,
      ];
      tf.dispose([batch.x, ...moments]);
      // Chan et al.: combine (count, mean, M2) with the batch's.
      const total = count + bCount;
      const delta = bMean - mean;
      mean += (delta * bCount) / total;
      m2 += bVar * bCount + (delta * delta * count * bCount) / total;
      count = total;
    }
    const std = Math.sqrt(m2 / count);
    lma.setStatistics(mean, std);
    out.push({ layer: lma.name, mean, std, count });
  }
  return out;
}
