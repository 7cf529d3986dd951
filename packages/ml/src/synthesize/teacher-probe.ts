import * as tf from '@tensorflow/tfjs';
import type { StoredStatistics } from './bn-statistics-loss.ts';

/** What the generators read off a frozen teacher in one forward pass in inference mode. */
export interface ProbeOutputs {
  /** Each BatchNorm layer's input, in the teacher's layer order. */
  bnInputs: tf.Tensor[];
  logits: tf.Tensor2D;
}

/**
 * A frozen teacher seen from its input: its logits and, for the BNS generator, the input of every BatchNorm
 * layer with that layer's stored statistics. It always runs in inference mode (BatchNorm normalises with its
 * running statistics, which nothing here updates), so the only thing the generators' gradients change is the
 * input batch.
 */
export class TeacherProbe {
  readonly stored: StoredStatistics[];
  readonly layout: 'flat' | 'image';
  private readonly probe: tf.LayersModel;

  constructor(readonly teacher: tf.LayersModel) {
    const bn = teacher.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    this.stored = bn.map((l) => {
      const weights = Object.fromEntries(l.weights.map((w) => [w.originalName.split('/').at(-1), w.read()]));
      const mean = weights.moving_mean;
      const variance = weights.moving_variance;
      if (!mean || !variance) throw new Error(`BatchNorm layer ${l.name} has no moving statistics`);
      const epsilon = (l.getConfig() as { epsilon?: number }).epsilon ?? 1e-3;
      return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, epsilon };
    });
    const outputs = [...bn.map((l) => l.input as tf.SymbolicTensor), ...teacher.outputs];
    this.probe = tf.model({ inputs: teacher.inputs, outputs });
    this.layout = teacher.inputs[0]?.shape.length === 2 ? 'flat' : 'image';
  }

  /** BatchNorm layers the teacher has. */
  get batchNormLayers(): number {
    return this.stored.length;
  }

  /** The teacher on `x` (its own layout: flat rows or images), in inference mode. */
  run(x: tf.Tensor): ProbeOutputs {
    const out = this.probe.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
    const all = Array.isArray(out) ? out : [out];
    return { bnInputs: all.slice(0, -1), logits: all.at(-1) as tf.Tensor2D };
  }
}
