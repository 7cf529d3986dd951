import * as tf from '@tensorflow/tfjs';

/**
 * CREMBO's multi-label loss (the official allowed_lables_loss.py: PyTorch's BCEWithLogitsLoss, mean over rows and
 * classes): each class's logit against its allowed-label target y ∈ [0, 1],
 *   mean of max(x, 0) − x·y + log(1 + e^(−|x|)),
 * the numerically stable form of −y·log σ(x) − (1 − y)·log(1 − σ(x)). Not a softmax cross-entropy: a row with
 * several allowed labels is pushed towards all of them, and one with none towards none.
 */
export function allowedLabelsLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf
      .relu(logits)
      .sub(logits.mul(targets))
      .add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))
      .mean(),
  ) as tf.Scalar;
}
