import * as tf from '@tensorflow/tfjs';

export interface DistillSettings {
  /** Softmax temperature T. */
  temperature: number;
  /** Weight α of the distillation term; 0 is plain cross-entropy. */
  alpha: number;
}

/** Mean cross-entropy of logits [n, c] against integer labels [n]. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1] as number;
    const oneHot = tf.oneHot(labels.toInt(), classes).toFloat();
    return tf.neg(oneHot.mul(tf.logSoftmax(logits)).sum(-1).mean()) as tf.Scalar;
  });
}

/**
 * The knowledge-distillation loss of Hinton et al. as the LMA paper's code computes it (docs/LMA.md):
 *   L = (1 − α)·CE(student, labels) + α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)),
 * KL summed over classes and averaged over the batch. The T² factor keeps the soft term's gradient scale
 * independent of T. Teacher logits are constants (the teacher is frozen).
 */
export function kdLoss(
  studentLogits: tf.Tensor,
  labels: tf.Tensor,
  teacherLogits: tf.Tensor | null,
  distill: DistillSettings,
): tf.Scalar {
  return tf.tidy(() => {
    const ce = crossEntropy(studentLogits, labels);
    if (teacherLogits === null || distill.alpha === 0) return ce;
    const t = distill.temperature;
    const teacherLog = tf.logSoftmax(teacherLogits.div(t));
    const studentLog = tf.logSoftmax(studentLogits.div(t));
    const kl = teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(-1).mean();
    return ce.mul(1 - distill.alpha).add(kl.mul(distill.alpha * t * t)) as tf.Scalar;
  });
}
