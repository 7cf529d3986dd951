import type { EpochMetrics } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { abortError, CheckpointError } from '../errors.ts';
import { deriveSeed, Mulberry32, permutation } from '../random/prng.ts';
import type { TrainingState } from './checkpoint.ts';
import { evaluate } from './evaluate.ts';
import { LearningRateSchedule } from './schedule.ts';
import type { TrainOptions, TrainResult, TrainStep } from './train-model.ts';

/** What one `TrainingSession.advance` did: trained one batch, or closed an epoch (validation, onEpoch, onState). */
export type TrainingUnit = 'batch' | 'epoch';

/**
 * One run's training loop as a state machine advanced one unit at a time: `trainModel` advances a single session
 * to its end; a pack of students (executePack) advances several in turn, so each keeps its own shuffling, step
 * (weights, statistics, optimizer state), schedule, history and callbacks exactly as if it trained alone. Yielding
 * to the event loop is the caller's business.
 *
 * Takes ownership of `step` (disposed by `dispose`, or at once when the resume state is refused).
 */
export class TrainingSession {
  readonly history: EpochMetrics[] = [];
  private readonly schedule: LearningRateSchedule;
  private readonly shuffler: Mulberry32;
  private readonly rows: number;
  private readonly batches: number;
  /** The epoch being trained (1-based); past `train.epochs` when done. */
  private epoch: number;
  /** The epoch's order of the training rows; null before its first batch. */
  private positions: Int32Array | null = null;
  private from = 0;
  private lr = 0;
  private lossSum = 0;
  private correct = 0;
  private started = 0;

  constructor(
    private readonly o: TrainOptions,
    readonly step: TrainStep,
  ) {
    const { train } = o;
    this.schedule = new LearningRateSchedule(train.optimizer.lr, train.epochs, train.schedule);
    this.shuffler = new Mulberry32(deriveSeed(o.seed, 'shuffle'));
    this.rows = o.data.train.indices.length;
    this.batches = Math.ceil(this.rows / train.batchSize);
    this.epoch = (o.resume?.epoch ?? 0) + 1;
    try {
      if (o.resume) this.restore(o.resume);
    } catch (e) {
      step.dispose();
      throw e;
    }
  }

  /** Whether every epoch has been trained. */
  get done(): boolean {
    return this.epoch > this.o.train.epochs;
  }

  /**
   * Trains the next batch, or closes the epoch whose batches are all trained: the model gets the step's weights,
   * validation runs, `onEpoch` and `onState` are awaited. Rejects with an AbortError when the signal aborted
   * (checked before every batch and after every epoch).
   */
  async advance(): Promise<TrainingUnit> {
    const { o } = this;
    if (this.done) throw new Error('the training session has trained every epoch');
    if (this.positions && this.from >= this.rows) {
      await this.closeEpoch();
      return 'epoch';
    }
    if (!this.positions) this.openEpoch();
    if (o.signal?.aborted) throw abortError(o.signal);
    const size = o.train.batchSize;
    const to = Math.min(this.rows, this.from + size);
    const result = await this.step.run(this.positions as Int32Array, this.from, to, this.lr);
    this.lossSum += result.loss * (to - this.from);
    this.correct += result.correct;
    this.from = to;
    o.onBatch?.({ epoch: this.epoch, epochs: o.train.epochs, batch: Math.ceil(to / size), batches: this.batches });
    return 'batch';
  }

  /** The model gets the trained weights; the epochs' metrics and the step's path. */
  finish(): TrainResult {
    this.step.writeModel();
    return { history: this.history, path: this.step.path };
  }

  dispose(): void {
    this.step.dispose();
  }

  private openEpoch(): void {
    const { model } = this.o;
    this.started = performance.now();
    const pq = this.o.pq;
    pq?.beginEpoch(this.epoch, (k) =>
      (model.weights[pq.settings.indices[k] as number] as tf.LayerVariable).read().dataSync(),
    );
    this.lr = this.schedule.rate(this.epoch);
    this.positions = permutation(this.rows, () => this.shuffler.next());
    this.from = 0;
    this.lossSum = 0;
    this.correct = 0;
  }

  private async closeEpoch(): Promise<void> {
    const { o, step } = this;
    const { model, data } = o;
    step.writeModel();
    const val =
      data.validation.indices.length > 0 ? await evaluate(model, data.validation, data.dataset, o.layout) : null;
    const trainLoss = this.lossSum / this.rows;
    this.schedule.observe(val ? val.loss : trainLoss);
    const metrics: EpochMetrics = {
      epoch: this.epoch,
      epochs: o.train.epochs,
      trainLoss,
      trainAccuracy: this.correct / this.rows,
      valLoss: val ? val.loss : null,
      valAccuracy: val ? val.accuracy : null,
      learningRate: this.lr,
      seconds: (performance.now() - this.started) / 1000,
    };
    this.history.push(metrics);
    this.positions = null;
    this.epoch++;
    await o.onEpoch?.(metrics);
    if (o.onState) {
      const weights = [];
      for (const w of model.weights) {
        weights.push({
          name: w.originalName,
          shape: [...w.shape] as number[],
          values: Float32Array.from((await w.read().data()) as Float32Array),
        });
      }
      const { steps, slots } = await step.optimizer.state();
      await o.onState({
        epoch: metrics.epoch,
        shuffle: this.shuffler.state,
        schedule: this.schedule.state(),
        optimizer: { steps, slots: slots.map((slot) => slot.map((v) => Float32Array.from(v))) },
        weights,
        ...(o.pq?.assignments ? { pqAssignments: o.pq.assignments.map((a) => Uint32Array.from(a)) } : {}),
        metrics: {
          trainLoss: metrics.trainLoss,
          trainAccuracy: metrics.trainAccuracy,
          valLoss: metrics.valLoss,
          valAccuracy: metrics.valAccuracy,
          learningRate: metrics.learningRate,
        },
      });
    }
    if (o.signal?.aborted) throw abortError(o.signal);
  }

  private restore(resume: TrainingState): void {
    const { model } = this.o;
    restoreWeights(model, resume);
    this.step.readModel();
    try {
      this.step.optimizer.restore(resume.optimizer);
    } catch (e) {
      throw new CheckpointError('format', `the checkpoint's optimizer state: ${(e as Error).message}`, { cause: e });
    }
    this.schedule.restore(resume.schedule);
    this.shuffler.state = resume.shuffle;
    if (resume.pqAssignments && this.o.pq) {
      try {
        this.o.pq.restore(resume.pqAssignments);
      } catch (e) {
        throw new CheckpointError('format', `the checkpoint's PQ assignments: ${(e as Error).message}`, { cause: e });
      }
    }
  }
}

/** Writes a checkpoint's weights into `model`, refusing one whose tensors are not the model's. */
function restoreWeights(model: tf.LayersModel, state: TrainingState): void {
  const want = model.weights.map((w) => `${w.originalName} [${w.shape}]`).join(', ');
  const got = state.weights.map((w) => `${w.name} [${w.shape}]`).join(', ');
  if (got !== want) {
    throw new CheckpointError('format', `the checkpoint's weights (${got}) are not the model's (${want})`);
  }
  model.weights.forEach((w, i) => {
    const values = (state.weights[i] as TrainingState['weights'][number]).values;
    tf.tidy(() => {
      w.write(tf.tensor(values, w.shape as number[], 'float32'));
    });
  });
}
