import * as tf from '@tensorflow/tfjs';
import { hasJsKernel, registerJsKernel, runKernel } from '../backend/js-kernels.ts';

/*
 * running ← momentum·running + (1 − momentum)·batch — the moving statistics of BatchNorm and LMA — as one fused
 * kernel call (wasm and cpu) instead of 3–4 tfjs ops per statistic and step; composed ops elsewhere.
 */
const MOVING_AVERAGE_KERNEL = 'DistilleryMovingAverage';

export const MOVING_AVERAGE_JS = registerJsKernel<{ momentum: number }>({
  name: MOVING_AVERAGE_KERNEL,
  inputs: ['running', 'batch'],
  outputShapes: ([running]) => [running as number[]],
  compute([running, batch], [out], _shapes, { momentum }) {
    const r = running as Float32Array;
    const b = batch as Float32Array;
    const o = out as Float32Array;
    for (let i = 0; i < r.length; i++) o[i] = momentum * (r[i] as number) + (1 - momentum) * (b[i] as number);
  },
});

/** Writes momentum·running + (1 − momentum)·batch into `running` (same shape as `batch`). */
export function updateMovingAverage(running: tf.LayerVariable, batch: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = running.read();
    if (hasJsKernel(MOVING_AVERAGE_KERNEL)) {
      const [next] = runKernel(MOVING_AVERAGE_KERNEL, { running: current, batch }, { momentum });
      running.write(next as tf.Tensor);
    } else {
      running.write(current.mul(momentum).add(batch.mul(1 - momentum)));
    }
  });
}
