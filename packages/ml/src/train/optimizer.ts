import type { OptimizerSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';

/**
 * SGD (with momentum, PyTorch's form: v ← μ·v + g; w ← w − lr·v) and Adam (β1 0.9, β2 0.999, ε 1e-8, bias
 * corrected), written out so the learning rate can change every epoch and the state can be disposed. Weight
 * decay is L2 added to the gradient of the tensors marked `decay` (kernels), as the spec says.
 */
export class Optimizer {
  static readonly ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

  private readonly slots: tf.Variable[][] = [];
  private steps = 0;

  constructor(
    private readonly spec: OptimizerSpec,
    private readonly variables: tf.Variable[],
    private readonly decay: boolean[],
  ) {
    const slotCount = spec.name === 'adam' ? 2 : (spec.momentum ?? 0) > 0 ? 1 : 0;
    for (let s = 0; s < slotCount; s++) {
      this.slots.push(
        variables.map((v) => {
          const zeros = tf.zerosLike(v);
          const slot = tf.variable(zeros, false);
          zeros.dispose(); // the variable holds its own reference to the data
          return slot;
        }),
      );
    }
  }

  /** Applies one update with gradients `grads` (same order as the variables) at learning rate `lr`. */
  step(grads: tf.Tensor[], lr: number): void {
    this.steps++;
    const wd = this.spec.weightDecay ?? 0;
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        let g = grads[i] as tf.Tensor;
        if (wd > 0 && this.decay[i]) g = g.add(v.mul(wd));
        if (this.spec.name === 'adam') {
          const { beta1, beta2, epsilon } = Optimizer.ADAM;
          const m = this.slots[0]?.[i] as tf.Variable;
          const s = this.slots[1]?.[i] as tf.Variable;
          m.assign(m.mul(beta1).add(g.mul(1 - beta1)));
          s.assign(s.mul(beta2).add(g.square().mul(1 - beta2)));
          const mHat = m.div(1 - beta1 ** this.steps);
          const sHat = s.div(1 - beta2 ** this.steps);
          v.assign(v.sub(mHat.div(sHat.sqrt().add(epsilon)).mul(lr)));
        } else if (this.slots.length > 0) {
          const buf = this.slots[0]?.[i] as tf.Variable;
          buf.assign(buf.mul(this.spec.momentum ?? 0).add(g));
          v.assign(v.sub(buf.mul(lr)));
        } else {
          v.assign(v.sub(g.mul(lr)));
        }
      });
    });
  }

  /** Updates applied so far (Adam's bias correction depends on it). */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * The optimizer's state for a checkpoint: the step count and its slot variables (Adam: first then second
   * moments; SGD with momentum: the momentum buffers), each in the order of the variables.
   */
  async state(): Promise<{ steps: number; slots: Float32Array[][] }> {
    const slots: Float32Array[][] = [];
    for (const slot of this.slots) {
      const values: Float32Array[] = [];
      for (const v of slot) values.push((await v.data()) as Float32Array);
      slots.push(values);
    }
    return { steps: this.steps, slots };
  }

  /** Restores a state from `state()` (same spec and variables); throws when the slot shapes do not match. */
  restore(state: { steps: number; slots: Float32Array[][] }): void {
    if (state.slots.length !== this.slots.length) {
      throw new Error(`optimizer state has ${state.slots.length} slot sets, this optimizer ${this.slots.length}`);
    }
    state.slots.forEach((values, s) => {
      const slot = this.slots[s] as tf.Variable[];
      if (values.length !== slot.length)
        throw new Error(`optimizer slot set ${s}: ${values.length} tensors, not ${slot.length}`);
      values.forEach((data, i) => {
        const v = slot[i] as tf.Variable;
        if (data.length !== v.size) throw new Error(`optimizer slot ${s}/${i}: ${data.length} values, not ${v.size}`);
      });
    });
    state.slots.forEach((values, s) => {
      values.forEach((data, i) => {
        const v = this.slots[s]?.[i] as tf.Variable;
        tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
      });
    });
    this.steps = state.steps;
  }

  dispose(): void {
    for (const slot of this.slots) for (const v of slot) v.dispose();
    this.slots.length = 0;
  }
}
