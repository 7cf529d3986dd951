import * as tf from '@tensorflow/tfjs';
import { hasJsKernel, registerJsKernel, runKernel } from '../backend/js-kernels.ts';

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
 * The knowledge-distillation loss of Hinton et al. as the LMA paper's official code (github.com/motefly/LMA)
 * computes it:
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

/*
 * The KD loss as one fused kernel (wasm and cpu): per row, in double precision, the softmaxes of s, s/T and t/T,
 * the loss, its gradient w.r.t. the student logits, and whether the row's first maximum is its label — instead
 * of ~40 small tfjs ops forward and backward plus an argMax/equal/sum for the accuracy. Gradient of the batch
 * mean: ((1 − α)·(softmax(s) − onehot(y)) + α·T·(softmax(s/T) − softmax(t/T))) / n.
 */
const KD_KERNEL = 'DistilleryKdLoss';

export const KD_LOSS_JS = registerJsKernel<{ alpha: number; temperature: number }>({
  name: KD_KERNEL,
  inputs: ['logits', 'labels', 'teacher'],
  outputShapes: ([logits]) => [[], logits as number[], []],
  compute([logits, labels, teacher], [loss, grad, correct], [shape], { alpha, temperature }) {
    const s = logits as Float32Array;
    const t = teacher as Float32Array;
    const y = labels as Float32Array;
    const g = grad as Float32Array;
    const [n, c] = shape as [number, number];
    const T = temperature;
    const distill = alpha > 0;
    const p = new Float64Array(c);
    let total = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const row = i * c;
      const label = y[i] as number;
      let m = Number.NEGATIVE_INFINITY;
      let best = 0;
      for (let j = 0; j < c; j++) {
        const v = s[row + j] as number;
        if (v > m) {
          m = v;
          best = j;
        }
      }
      if (best === label) hits++;
      let z = 0;
      for (let j = 0; j < c; j++) {
        const e = Math.exp((s[row + j] as number) - m);
        p[j] = e;
        z += e;
      }
      const lse = m + Math.log(z);
      let rowLoss = (1 - alpha) * (lse - (s[row + label] as number));
      for (let j = 0; j < c; j++) {
        g[row + j] = ((1 - alpha) * ((p[j] as number) / z - (j === label ? 1 : 0))) / n;
      }
      if (distill) {
        // log softmax(s/T) and softmax(t/T); max of s/T is m/T.
        let zs = 0;
        let mt = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < c; j++) {
          zs += Math.exp(((s[row + j] as number) - m) / T);
          mt = Math.max(mt, (t[row + j] as number) / T);
        }
        const lseS = m / T + Math.log(zs);
        let zt = 0;
        for (let j = 0; j < c; j++) zt += Math.exp((t[row + j] as number) / T - mt);
        const lseT = mt + Math.log(zt);
        let kl = 0;
        for (let j = 0; j < c; j++) {
          const logPt = (t[row + j] as number) / T - lseT;
          const logQ = (s[row + j] as number) / T - lseS;
          const pt = Math.exp(logPt);
          kl += pt * (logPt - logQ);
          g[row + j] = (g[row + j] as number) + (alpha * T * (Math.exp(logQ) - pt)) / n;
        }
        rowLoss += alpha * T * T * kl;
      }
      total += rowLoss;
    }
    (loss as Float32Array)[0] = n > 0 ? total / n : 0;
    (correct as Float32Array)[0] = hits;
  },
});

/** Whether the current backend has the fused KD-loss kernel (`fusedKdLoss` returns non-null). */
export function hasFusedKdLoss(): boolean {
  return hasJsKernel(KD_KERNEL);
}

/**
 * `kdLoss` through the fused kernel, with the batch's number of correct predictions (the first maximum of a
 * row is its prediction, as argMax takes it); null when the current backend has no fused kernel. `labels` are
 * float32 (class numbers are exact). Gradients flow to `studentLogits` only. The caller disposes `correct`.
 */
export function fusedKdLoss(
  studentLogits: tf.Tensor,
  labels: tf.Tensor,
  teacherLogits: tf.Tensor | null,
  distill: DistillSettings,
): { loss: tf.Scalar; correct: tf.Scalar } | null {
  if (!hasJsKernel(KD_KERNEL)) return null;
  const withTeacher = teacherLogits !== null && distill.alpha > 0;
  let correct: tf.Tensor | null = null;
  const op = tf.customGrad(((logits: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const [loss, grad, hits] = runKernel(
      KD_KERNEL,
      { logits, labels, teacher: withTeacher ? (teacherLogits as tf.Tensor) : logits },
      { alpha: withTeacher ? distill.alpha : 0, temperature: withTeacher ? distill.temperature : 1 },
    ) as [tf.Tensor, tf.Tensor, tf.Tensor];
    correct = tf.keep(hits);
    save([grad]);
    return { value: loss, gradFunc: (dy: tf.Tensor, [g]: tf.Tensor[]) => (g as tf.Tensor).mul(dy) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Scalar;
  const loss = op(studentLogits);
  return { loss, correct: correct as unknown as tf.Scalar };
}
