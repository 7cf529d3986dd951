import * as tf from '@tensorflow/tfjs';

/**
 * Weight of the total-variation prior in the inception generator's loss. Not the paper's (its prior's details
 * were not published): with pixels in [0, 1], an image of uniform noise has a total variation of about a
 * sixth per neighbouring pair, so at this weight the prior of a noisy 28×28 image is about the size of a
 * confident logit, and the ascent keeps the image smooth without drowning the class signal.
 */
export const INCEPTION_TV_WEIGHT = 0.05;

/**
 * Total variation of images [n, h, w, c]: Σ over vertical and horizontal neighbours of the squared difference,
 * averaged over the batch. The squared form keeps the gradient defined where neighbours are equal.
 */
export function totalVariation(images: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, c] = images.shape;
    const down =
      h > 1 ? images.slice([0, 1, 0, 0], [n, h - 1, w, c]).sub(images.slice([0, 0, 0, 0], [n, h - 1, w, c])) : null;
    const right =
      w > 1 ? images.slice([0, 0, 1, 0], [n, h, w - 1, c]).sub(images.slice([0, 0, 0, 0], [n, h, w - 1, c])) : null;
    const parts = [down, right].filter((t): t is tf.Tensor4D => t !== null).map((d) => d.square().sum());
    const total = parts.length === 0 ? tf.scalar(0) : (tf.addN(parts) as tf.Scalar);
    return total.div(n) as tf.Scalar;
  });
}

/**
 * The inception generator's loss: minus the mean over the batch of the teacher's logit for each sample's
 * target class, plus `tvWeight` × the images' total variation. Minimising it ascends the target logits.
 */
export function inceptionLoss(
  logits: tf.Tensor2D,
  targets: Int32Array,
  images: tf.Tensor4D,
  tvWeight: number = INCEPTION_TV_WEIGHT,
): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const mask = tf.oneHot(tf.tensor1d(targets, 'int32'), classes);
    const target = logits.mul(mask).sum(1).mean();
    return target.neg().add(totalVariation(images).mul(tvWeight)) as tf.Scalar;
  });
}
