import * as tf from '@tensorflow/tfjs';

/** A BatchNorm layer's stored statistics of its input, per channel (its moving mean and variance). */
export interface StoredStatistics {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** The layer's ε, added to both variances (a channel of constant input has variance 0). */
  epsilon: number;
}

/**
 * The BNS generator's loss (Haroush et al., "The Knowledge Within"): for every BatchNorm layer and channel, the
 * KL divergence of the Gaussian of the stored statistics from the Gaussian of the batch's,
 *   KL(N(μ̂, σ̂²) ‖ N(μ̃, σ̃²)) = log(σ̃/σ̂) + (σ̂² + (μ̂ − μ̃)²) / (2σ̃²) − ½,
 * summed over channels and layers. `inputs[l]` is layer l's input on the batch ([n, …, c], channels last); μ̃, σ̃²
 * are its mean and population variance over every axis but the last, σ̂², σ̃² both with the layer's ε added. The
 * direction matters: this one penalises a batch variance smaller than the stored one without bound (log σ̃ → −∞),
 * so the batch cannot collapse to a point. Differentiable in `inputs`, hence in the teacher's input.
 */
export function bnStatisticsLoss(inputs: readonly tf.Tensor[], stored: readonly StoredStatistics[]): tf.Scalar {
  if (inputs.length !== stored.length || inputs.length === 0) {
    throw new Error(`bnStatisticsLoss: ${inputs.length} layer inputs for ${stored.length} BatchNorm layers`);
  }
  return tf.tidy(() => {
    const terms = inputs.map((x, l) => {
      const s = stored[l] as StoredStatistics;
      const channels = x.shape[x.rank - 1] as number;
      const rows = x.reshape([-1, channels]);
      const { mean, variance } = tf.moments(rows, 0);
      const batchVar = variance.add(s.epsilon);
      const storedVar = s.variance.add(s.epsilon);
      const kl = batchVar
        .log()
        .sub(storedVar.log())
        .mul(0.5)
        .add(storedVar.add(s.mean.sub(mean).square()).div(batchVar.mul(2)))
        .sub(0.5);
      return kl.sum();
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
