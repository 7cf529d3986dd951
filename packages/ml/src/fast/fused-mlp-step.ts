import * as tf from '@tensorflow/tfjs';
import { featureCount } from '../data/dataset.ts';
import { binMap } from '../layers/lma.ts';
import { MOVING_AVERAGE_JS } from '../layers/moving-average.ts';
import { KD_LOSS_JS } from '../train/kd-loss.ts';
import { Optimizer } from '../train/optimizer.ts';
import { qatForwardValues } from '../train/qat-forward.ts';
import type { StepOptimizer, TrainOptions, TrainStep } from '../train/train-model.ts';
import { decaysTowardsZero, weightDecayTargets } from '../train/weight-decay.ts';
import { ImageOpBuffers } from './image-ops.ts';
import { type F32Buffer, kernels } from './kernels.ts';
import { type MlpOp, type MlpPlan, opOutputSize, planMlp } from './mlp-plan.ts';

type StepOptions = Pick<
  TrainOptions,
  'model' | 'data' | 'layout' | 'train' | 'distill' | 'teacherLogits' | 'qat' | 'masks'
>;

/**
 * The training step of an MLP or CNN student without tfjs-layers or the tape: forward, hand-derived backward and
 * the optimizer update as direct calls on flat float32 buffers in the SIMD kernel module's memory — the
 * parameters (`model.trainableWeights` end to end), their gradients and the optimizer's slots, allocated once.
 * Matrix products, bias, the updates, a CNN's convolutions and 2×2 max-pools (image-ops.ts), BatchNorm, ReLU,
 * LMA, PReLU, swish and APLU are wasm SIMD kernels (APLU's and LMA's with the reference's arithmetic, the same
 * bits); the KD loss runs the very loop the reference path's fused tfjs kernel runs (its `compute`), on views of
 * the same memory. Semantics are the reference step's (train-model.ts
 * `trainingStep`): training-mode statistics and their moving averages, the KD loss, weight decay as
 * `weightDecayOn` selects (LMA's slopes towards their start), SGD/momentum/Adam, QAT's straight-through update
 * of the full-precision weights, and pruning masks (masked gradients, pruned weights kept at 0). Weights stay
 * here while training; `writeModel` puts them (and the statistics) into the tfjs model, `readModel` takes them
 * back.
 *
 * Null when the model is not a supported MLP or CNN (mlp-plan.ts), the backend is not wasm (the kernels' memory
 * is the wasm backend's home turf: other backends keep the reference, which they run natively), or a setting is
 * not covered.
 */
export function fusedMlpStep(o: StepOptions): FusedMlpStep | null {
  if (tf.getBackend() !== 'wasm') return null;
  const planned = planMlp(o.model);
  if ('unsupported' in planned) return null;
  if ((planned.plan.image ? 'image' : 'flat') !== o.layout) return null;
  return new FusedMlpStep(o, planned.plan);
}

/** The slots of the optimizer, flat like the parameters; saved per tensor as `Optimizer.state` saves them. */
class FlatOptimizer implements StepOptimizer {
  steps = 0;
  constructor(
    readonly slots: F32Buffer[],
    private readonly offsets: number[],
    private readonly sizes: number[],
  ) {}

  get stepCount(): number {
    return this.steps;
  }

  async state(): Promise<{ steps: number; slots: Float32Array[][] }> {
    return {
      steps: this.steps,
      slots: this.slots.map((slot) => {
        const all = slot.view();
        return this.offsets.map((at, i) => all.slice(at, at + (this.sizes[i] as number)));
      }),
    };
  }

  restore(state: { steps: number; slots: Float32Array[][] }): void {
    if (state.slots.length !== this.slots.length) {
      throw new Error(`optimizer state has ${state.slots.length} slot sets, this optimizer ${this.slots.length}`);
    }
    state.slots.forEach((values, s) => {
      if (values.length !== this.sizes.length) {
        throw new Error(`optimizer slot set ${s}: ${values.length} tensors, not ${this.sizes.length}`);
      }
      values.forEach((data, i) => {
        if (data.length !== this.sizes[i]) {
          throw new Error(`optimizer slot ${s}/${i}: ${data.length} values, not ${this.sizes[i]}`);
        }
      });
    });
    state.slots.forEach((values, s) => {
      const all = (this.slots[s] as F32Buffer).view();
      values.forEach((data, i) => {
        all.set(data, this.offsets[i] as number);
      });
    });
    this.steps = state.steps;
  }
}

/** Non-trainable statistics of a layer, as float32 arrays the step updates (written to the model on sync). */
interface Statistics {
  op: MlpOp;
  /** BatchNorm: moving mean and variance; LMA: running mean and std (one value each), then steps. */
  values: Float32Array[];
  variables: tf.LayerVariable[];
  /** This step's batch statistics (BatchNorm: mean, variance per unit; LMA: mean, std). */
  batch: Float32Array[];
}

export class FusedMlpStep implements TrainStep {
  /** fused-cnn for models with convolutions, which run the image ops of image-ops.ts too. */
  readonly path: 'fused-mlp' | 'fused-cnn';
  readonly optimizer: FlatOptimizer;
  private readonly k = kernels();
  private readonly params: F32Buffer;
  private readonly grads: F32Buffer;
  /** acts[i]: the input of op i; acts[ops.length]: the logits. Rows: the batch size. */
  private readonly acts: F32Buffer[];
  private readonly gradA: F32Buffer;
  private readonly gradB: F32Buffer;
  private readonly image: ImageOpBuffers;
  /**
   * Kernel memory per op: BatchNorm's batch mean and variance (read by the gradient), then its kernels'
   * scratch; LMA's batch μ and σ, then its gradient's segment sums (from byte 16); swish's β, PReLU's α and
   * APLU's α and offset sums.
   */
  private readonly opBuffers = new Map<MlpOp, F32Buffer>();
  private readonly qatBackup: F32Buffer | null;
  private readonly stats: Map<MlpOp, Statistics>;
  private readonly variables: tf.LayerVariable[];
  private readonly decay: number[];
  private readonly offsetDecay: Array<{ at: number; start: Float32Array; rate: number }>;
  /** QAT's tensors: position among the trainable weights (k) and in model.weights (index, Quant-Noise's seed). */
  private readonly qatTensors: Array<{ k: number; index: number }>;
  /** Pruning masks (1 kept, 0 pruned) by offset in the flat buffers: gradients masked, weights re-zeroed. */
  private readonly masks: Array<{ at: number; mask: Uint8Array }>;
  private readonly maxRows: number;
  private readonly labels: Float32Array;
  /** Pixel rows of a batch (u8 images), turned into features by one kernel call; 0 for float features. */
  private readonly pixels: number;
  private readonly teacher: Float32Array;
  private readonly lossOut = new Float32Array(1);
  private readonly correctOut = new Float32Array(1);

  constructor(
    private readonly o: StepOptions,
    private readonly plan: MlpPlan,
  ) {
    const { model, train } = o;
    const k = this.k;
    this.path = plan.ops.some((op) => op.kind === 'conv2d') ? 'fused-cnn' : 'fused-mlp';
    this.maxRows = train.batchSize;
    this.variables = model.trainableWeights;
    const wd = train.optimizer.weightDecay ?? 0;
    const targets = weightDecayTargets(model, train);
    this.decay = this.variables.map((w) => (wd > 0 && decaysTowardsZero(targets, w) ? wd : 0));
    this.offsetDecay = this.variables.flatMap((w, i) => {
      const target = targets.get(w);
      if (!target) return [];
      const start = Float32Array.from(target.dataSync());
      return wd === 0 ? [] : [{ at: plan.offsets[i] as number, start, rate: wd }];
    });
    tf.dispose([...targets.values()].filter((t): t is tf.Tensor => t !== null));
    this.qatTensors = (o.qat?.indices ?? []).map((index) => {
      const w = model.weights[index];
      const k = w ? this.variables.indexOf(w) : -1;
      if (!w || k < 0) throw new Error(`QAT: weight #${index} is not trainable`);
      return { k, index };
    });
    this.masks = [...(o.masks ?? new Map<number, Uint8Array>())].map(([i, mask]) => {
      const w = model.weights[i];
      const k = w ? this.variables.indexOf(w) : -1;
      if (!w || k < 0) throw new Error(`pruning: weight #${i} is not trainable`);
      return { at: plan.offsets[k] as number, mask };
    });
    const slotCount = train.optimizer.name === 'adam' ? 2 : (train.optimizer.momentum ?? 0) > 0 ? 1 : 0;
    this.params = k.allocF32(plan.parameters);
    this.grads = k.allocF32(plan.parameters);
    const slots = Array.from({ length: slotCount }, () => k.allocF32(plan.parameters));
    this.optimizer = new FlatOptimizer(slots, plan.offsets, plan.sizes);
    const rows = this.maxRows;
    this.acts = [k.allocF32(rows * plan.features)];
    for (const op of plan.ops) this.acts.push(k.allocF32(rows * opOutputSize(op)));
    this.image = new ImageOpBuffers(
      k,
      plan.ops.flatMap((op) => (op.kind === 'conv2d' || op.kind === 'max-pool' ? [op] : [])),
      rows,
    );
    this.gradA = k.allocF32(rows * plan.widest);
    this.gradB = k.allocF32(rows * plan.widest);
    const qatValues = this.qatTensors.reduce((n, { k }) => n + (plan.sizes[k] as number), 0);
    this.qatBackup = qatValues > 0 ? k.allocF32(qatValues) : null;
    this.labels = new Float32Array(rows);
    this.pixels = o.data.train.split.images instanceof Uint8Array ? k.exports.alloc(rows * plan.features) : 0;
    this.teacher = new Float32Array(rows * plan.classes);
    this.stats = new Map();
    for (const op of plan.ops) {
      if (op.kind === 'batch-norm') {
        this.opBuffers.set(op, k.allocF32(10 * op.units));
        const variables = [op.movingMean, op.movingVariance];
        this.stats.set(op, {
          op,
          variables,
          values: variables.map((v) => new Float32Array(v.shape[0] as number)),
          batch: [new Float32Array(op.units), new Float32Array(op.units)],
        });
      } else if (op.kind === 'lma') {
        this.opBuffers.set(op, k.allocF32(4 + 4 * op.segments));
        const variables = [op.runningMean, op.runningStd, ...(op.steps ? [op.steps] : [])];
        this.stats.set(op, {
          op,
          variables,
          values: variables.map(() => new Float32Array(1)),
          batch: [new Float32Array(1), new Float32Array(1)],
        });
      } else if (op.kind === 'swish' || op.kind === 'prelu') {
        this.opBuffers.set(op, k.allocF32(2 * Math.max(op.units, 4)));
      } else if (op.kind === 'aplu') {
        this.opBuffers.set(op, k.allocF32(4 * op.hinges * op.units));
      }
    }
    this.readModel();
  }

  readModel(): void {
    const params = this.params.view();
    this.variables.forEach((w, i) => {
      params.set(w.read().dataSync() as Float32Array, this.plan.offsets[i] as number);
    });
    for (const s of this.stats.values()) {
      s.variables.forEach((v, j) => {
        (s.values[j] as Float32Array).set(v.read().dataSync() as Float32Array);
      });
    }
  }

  writeModel(): void {
    const params = this.params.view();
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        const at = this.plan.offsets[i] as number;
        w.write(tf.tensor(params.slice(at, at + (this.plan.sizes[i] as number)), w.shape as number[], 'float32'));
      });
      for (const s of this.stats.values()) {
        s.variables.forEach((v, j) => {
          v.write(tf.tensor(Float32Array.from(s.values[j] as Float32Array), v.shape as number[], 'float32'));
        });
      }
    });
  }

  dispose(): void {
    for (const b of [this.params, this.grads, ...this.optimizer.slots, ...this.acts, this.gradA, this.gradB]) b.free();
    this.qatBackup?.free();
    if (this.pixels) this.k.exports.free(this.pixels);
    this.image.dispose();
    for (const b of this.opBuffers.values()) b.free();
  }

  async run(positions: Int32Array, from: number, to: number, lr: number): Promise<{ loss: number; correct: number }> {
    const result = this.computeGradients(positions, from, to);
    this.update(lr);
    return result;
  }

  /**
   * Forward in training mode (the statistics' moving averages advance), loss and gradients of the batch, without
   * the update: `grads` then holds them (and `gradients` copies them out, per trainable tensor).
   */
  computeGradients(positions: Int32Array, from: number, to: number): { loss: number; correct: number } {
    const rows = to - from;
    if (rows > this.maxRows) throw new Error(`batch of ${rows} rows, the step was built for ${this.maxRows}`);
    this.gather(positions, from, rows);
    const restore = this.quantizeForward();
    this.forward(rows);
    const result = this.loss(positions, from, rows);
    this.backward(rows);
    restore();
    return result;
  }

  /** The gradients of the last `computeGradients`, per trainable tensor, and the logits of its rows. */
  gradients(rows: number): { grads: Float32Array[]; logits: Float32Array } {
    const all = this.grads.view();
    const grads = this.plan.offsets.map((at, i) => all.slice(at, at + (this.plan.sizes[i] as number)));
    const logits = (this.acts[this.plan.ops.length] as F32Buffer).view().slice(0, rows * this.plan.classes);
    return { grads, logits };
  }

  /** The batch's rows into acts[0] (pixels scaled as makeBatch scales them) and its labels. */
  private gather(positions: Int32Array, from: number, rows: number): void {
    const { data } = this.o;
    const split = data.train.split;
    const features = featureCount(data.dataset);
    const { images } = split;
    const x = this.acts[0] as F32Buffer;
    // Rows copied as they are (pixels as bytes), then scaled by one kernel call exactly as makeBatch scales them.
    const staging = images instanceof Uint8Array ? this.k.u8(this.pixels, rows * features) : x.view();
    for (let i = 0; i < rows; i++) {
      const row = data.train.indices[positions[from + i] as number] as number;
      staging.set(images.subarray(row * features, (row + 1) * features), i * features);
      this.labels[i] = split.labels[row] as number;
    }
    if (images instanceof Uint8Array) this.k.exports.pixelsToF32(this.pixels, x.ptr, rows * features, 1 / 255);
  }

  /** QAT: the selected weights fake-quantized in place; returns what puts the full-precision ones back. */
  private quantizeForward(): () => void {
    const qat = this.o.qat;
    if (!qat || !this.qatBackup) return () => {};
    const params = this.params.view();
    const backup = this.qatBackup.view();
    let at = 0;
    for (const { k, index } of this.qatTensors) {
      const from = this.plan.offsets[k] as number;
      const values = params.subarray(from, from + (this.plan.sizes[k] as number));
      backup.set(values, at);
      at += values.length;
      if ((qat.noise?.rate ?? 1) === 1) {
        // Plain QAT: every value, in place, by the kernel (the same values as fakeQuantize, tested).
        this.k.exports.fakeQuantize(this.params.ptr + from * 4, values.length, qat.bits, qat.bucketSize);
        continue;
      }
      const quantized = qatForwardValues(values, qat, this.optimizer.steps, index);
      if (quantized) values.set(quantized);
    }
    return () => {
      const p = this.params.view();
      const b = (this.qatBackup as F32Buffer).view();
      let offset = 0;
      for (const { k } of this.qatTensors) {
        const size = this.plan.sizes[k] as number;
        p.set(b.subarray(offset, offset + size), this.plan.offsets[k] as number);
        offset += size;
      }
    };
  }

  private forward(batch: number): void {
    const { exports: k } = this.k;
    const P = this.params.ptr;
    this.plan.ops.forEach((op, i) => {
      const x = this.acts[i] as F32Buffer;
      const y = this.acts[i + 1] as F32Buffer;
      if (op.kind === 'conv2d' || op.kind === 'max-pool') {
        this.image.forward(op, x.ptr, y.ptr, batch, P);
        return;
      }
      // Rows of the op's [rows, units]: the batch's examples, times their positions after a convolution.
      const rows = op.kind === 'dense' ? batch : batch * op.positions;
      const n = rows * op.units;
      switch (op.kind) {
        case 'dense':
          k.gemm(x.ptr, op.inputs, 1, P + op.kernel * 4, y.ptr, rows, op.inputs, op.units, 0);
          k.addBias(y.ptr, P + op.bias * 4, rows, op.units);
          return;
        case 'relu':
          k.relu(x.ptr, y.ptr, n);
          return;
        case 'batch-norm': {
          const s = this.stats.get(op) as Statistics;
          const [mean, variance] = s.batch as [Float32Array, Float32Array];
          const c = op.units;
          const stats = this.opBuffers.get(op) as F32Buffer;
          k.batchNormTrain(
            x.ptr,
            P + op.gamma * 4,
            P + op.beta * 4,
            y.ptr,
            stats.ptr,
            stats.ptr + c * 4,
            stats.ptr + c * 8,
            rows,
            c,
            op.epsilon,
          );
          const batchStats = stats.view();
          mean.set(batchStats.subarray(0, c));
          variance.set(batchStats.subarray(c, 2 * c));
          const [movingMean, movingVariance] = s.values as [Float32Array, Float32Array];
          MOVING_AVERAGE_JS.compute([movingMean, mean], [movingMean], [], { momentum: op.momentum });
          MOVING_AVERAGE_JS.compute([movingVariance, variance], [movingVariance], [], { momentum: op.momentum });
          return;
        }
        case 'lma': {
          const s = this.stats.get(op) as Statistics;
          const [mean, std] = s.batch as [Float32Array, Float32Array];
          // The loops of the reference's LMA kernels, compiled (same operations, same bits): over an image
          // layer's activations they were a large part of the step as JavaScript.
          const scratch = this.opBuffers.get(op) as F32Buffer;
          k.lmaMoments(x.ptr, n, scratch.ptr);
          const moments = scratch.view();
          mean[0] = moments[0] as number;
          std[0] = moments[1] as number;
          const [a, b] = binMap(op.segments, mean[0] as number, std[0] as number, op.epsilon);
          k.lmaForward(x.ptr, y.ptr, n, P + op.alpha * 4, P + op.beta * 4, op.segments, a, b);
          const [runningMean, runningStd, steps] = s.values as [Float32Array, Float32Array, Float32Array?];
          MOVING_AVERAGE_JS.compute([runningMean, mean], [runningMean], [], { momentum: op.momentum });
          MOVING_AVERAGE_JS.compute([runningStd, std], [runningStd], [], { momentum: op.momentum });
          if (steps) steps[0] = (steps[0] as number) + 1;
          return;
        }
        case 'prelu':
          k.preluForward(x.ptr, y.ptr, rows, op.units, P + op.alpha * 4, op.size);
          return;
        case 'swish':
          k.swishForward(x.ptr, y.ptr, rows, op.units, P + op.beta * 4, op.size);
          return;
        case 'aplu':
          k.apluForward(x.ptr, y.ptr, rows, op.units, P + op.alpha * 4, P + op.offset * 4, op.hinges);
          return;
      }
    });
  }

  /** The KD loss (or cross-entropy) of the logits; its gradient w.r.t. them into gradA. */
  private loss(positions: Int32Array, from: number, rows: number): { loss: number; correct: number } {
    const { classes } = this.plan;
    const distill = this.o.distill ?? { temperature: 1, alpha: 0 };
    const withTeacher = this.o.teacherLogits !== null && distill.alpha > 0;
    const logits = (this.acts[this.plan.ops.length] as F32Buffer).view().subarray(0, rows * classes);
    let teacher = logits;
    if (withTeacher) {
      const all = this.o.teacherLogits as Float32Array;
      for (let i = 0; i < rows; i++) {
        const p = positions[from + i] as number;
        this.teacher.set(all.subarray(p * classes, (p + 1) * classes), i * classes);
      }
      teacher = this.teacher.subarray(0, rows * classes);
    }
    KD_LOSS_JS.compute(
      [logits, this.labels.subarray(0, rows), teacher],
      [this.lossOut, this.gradA.view().subarray(0, rows * classes), this.correctOut],
      [[rows, classes]],
      { alpha: withTeacher ? distill.alpha : 0, temperature: withTeacher ? distill.temperature : 1 },
    );
    return { loss: this.lossOut[0] as number, correct: this.correctOut[0] as number };
  }

  /** Gradients of every parameter into `grads`, from the logits' gradient in gradA. */
  private backward(batch: number): void {
    const { exports: k } = this.k;
    const P = this.params.ptr;
    const G = this.grads.ptr;
    let dy = this.gradA;
    let dx = this.gradB;
    for (let i = this.plan.ops.length - 1; i >= 0; i--) {
      const op = this.plan.ops[i] as MlpOp;
      const x = this.acts[i] as F32Buffer;
      if (op.kind === 'conv2d' || op.kind === 'max-pool') {
        this.image.backward(op, dy.ptr, i > 0 ? dx.ptr : 0, batch, P, G);
        [dy, dx] = [dx, dy];
        continue;
      }
      const rows = op.kind === 'dense' ? batch : batch * op.positions;
      const n = rows * op.units;
      switch (op.kind) {
        case 'dense':
          k.gemm(x.ptr, 1, op.inputs, dy.ptr, G + op.kernel * 4, op.inputs, rows, op.units, 0);
          k.columnSums(dy.ptr, rows, op.units, G + op.bias * 4);
          if (i > 0) {
            k.gemmBt(dy.ptr, op.units, 1, P + op.kernel * 4, dx.ptr, rows, op.units, op.inputs, 0);
          }
          break;
        case 'relu':
          k.reluGrad(dy.ptr, x.ptr, dx.ptr, n);
          break;
        case 'batch-norm': {
          const c = op.units;
          const stats = (this.opBuffers.get(op) as F32Buffer).ptr;
          k.batchNormTrainGrad(
            dy.ptr,
            x.ptr,
            P + op.gamma * 4,
            stats,
            stats + c * 4,
            dx.ptr,
            G + op.gamma * 4,
            G + op.beta * 4,
            stats + c * 8,
            rows,
            c,
            op.epsilon,
          );
          break;
        }
        case 'lma': {
          const s = this.stats.get(op) as Statistics;
          const [mean, std] = s.batch as [Float32Array, Float32Array];
          const [a, b] = binMap(op.segments, mean[0] as number, std[0] as number, op.epsilon);
          const sums = (this.opBuffers.get(op) as F32Buffer).ptr + 16;
          const [dAlpha, dBeta] = [G + op.alpha * 4, G + op.beta * 4];
          k.lmaGrad(dy.ptr, x.ptr, dx.ptr, n, P + op.alpha * 4, op.segments, a, b, dAlpha, dBeta, sums);
          break;
        }
        case 'prelu': {
          const sums = (this.opBuffers.get(op) as F32Buffer).ptr;
          k.preluGrad(dy.ptr, x.ptr, dx.ptr, rows, op.units, P + op.alpha * 4, op.size, G + op.alpha * 4, sums);
          break;
        }
        case 'swish': {
          const sums = (this.opBuffers.get(op) as F32Buffer).ptr;
          k.swishGrad(dy.ptr, x.ptr, dx.ptr, rows, op.units, P + op.beta * 4, op.size, G + op.beta * 4, sums);
          break;
        }
        case 'aplu': {
          const sums = (this.opBuffers.get(op) as F32Buffer).ptr;
          const [alpha, offset] = [P + op.alpha * 4, P + op.offset * 4];
          const [dAlpha, dOffset] = [G + op.alpha * 4, G + op.offset * 4];
          k.apluGrad(dy.ptr, x.ptr, dx.ptr, rows, op.units, alpha, offset, op.hinges, dAlpha, dOffset, sums);
          break;
        }
      }
      [dy, dx] = [dx, dy];
    }
  }

  /** LMA slopes' decay towards their start, then the optimizer over every tensor (full-precision weights). */
  private update(lr: number): void {
    const { exports: k } = this.k;
    if (this.offsetDecay.length > 0) {
      const params = this.params.view();
      const grads = this.grads.view();
      // g + (w − start)·wd in float32 steps, as the reference composes it with tfjs ops.
      for (const { at, start, rate } of this.offsetDecay) {
        for (let j = 0; j < start.length; j++) {
          const offset = Math.fround(Math.fround((params[at + j] as number) - (start[j] as number)) * rate);
          grads[at + j] = (grads[at + j] as number) + offset;
        }
      }
    }
    const masked = this.masks.length > 0 ? { params: this.params.view(), grads: this.grads.view() } : null;
    for (const { at, mask } of this.masks) {
      const grads = masked?.grads as Float32Array;
      for (let j = 0; j < mask.length; j++) grads[at + j] = (grads[at + j] as number) * (mask[j] as number);
    }
    const opt = this.optimizer;
    opt.steps++;
    const spec = this.o.train.optimizer;
    const { beta1, beta2, epsilon } = Optimizer.ADAM;
    const c1 = 1 - beta1 ** opt.steps;
    const c2 = 1 - beta2 ** opt.steps;
    const [P, G] = [this.params.ptr, this.grads.ptr];
    this.variables.forEach((_, i) => {
      const at = (this.plan.offsets[i] as number) * 4;
      const n = this.plan.sizes[i] as number;
      const decay = this.decay[i] as number;
      if (spec.name === 'adam') {
        const [m, v] = opt.slots as [F32Buffer, F32Buffer];
        k.adamStep(P + at, G + at, m.ptr + at, v.ptr + at, n, lr, decay, beta1, beta2, epsilon, c1, c2);
      } else if (opt.slots.length > 0) {
        k.momentumStep(P + at, G + at, (opt.slots[0] as F32Buffer).ptr + at, n, lr, decay, spec.momentum ?? 0);
      } else {
        k.sgdStep(P + at, G + at, n, lr, decay);
      }
    });
    // Pruned weights back to exactly 0 whatever the optimizer's state moved them by.
    for (const { at, mask } of this.masks) {
      const params = masked?.params as Float32Array;
      for (let j = 0; j < mask.length; j++) params[at + j] = (params[at + j] as number) * (mask[j] as number);
    }
  }
}
