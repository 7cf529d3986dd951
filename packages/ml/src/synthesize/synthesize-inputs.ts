import { bnsTeacherRule, type SyntheticData, synthesisBatches } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { abortError, RunConfigError } from '../errors.ts';
import { deriveSeed, mulberry32, normal } from '../random/prng.ts';
import { bnStatisticsLoss } from './bn-statistics-loss.ts';
import { inceptionLoss } from './inception-loss.ts';
import type { TeacherProbe } from './teacher-probe.ts';

/**
 * Where a synthesis stands after `batches` batches: rows [0, batches × batchSize) of `inputs` and `labels` are
 * final. Everything the loop needs to continue exactly as if it had not stopped (each batch starts from its own
 * seed, so nothing of the optimiser carries over between batches).
 */
export interface SynthesisState {
  batches: number;
  /** samples × features, 0–255. */
  inputs: Uint8Array;
  labels: Uint16Array;
  /** Each finished batch's final loss. */
  losses: number[];
  /** Finished samples the teacher classifies as their label. */
  hits: number;
}

/** One finished batch, for progress. */
export interface SynthesisBatch {
  batch: number;
  batches: number;
  loss: number;
  /** Fraction of the batch the teacher classifies as its label (1 unless inception). */
  agreement: number;
  seconds: number;
}

export interface SynthesizeOptions {
  probe: TeacherProbe;
  data: SyntheticData;
  shape: [number, number, number];
  classes: number;
  resume?: SynthesisState;
  /** Awaited after every batch with the state to resume from (its arrays are the loop's own: copy to keep). */
  onBatch?: (batch: SynthesisBatch, state: SynthesisState) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Synthesizes `data.samples` inputs from the frozen teacher, `data.batchSize` at a time. Every batch starts
 * from x = clamp(0.5 + 0.5·z, 0, 1), z ~ N(0, 1) drawn from a generator seeded by (data.seed, batch index), so
 * the result depends on the seed alone and a resumed run repeats an uninterrupted one. bns and inception then take
 * `data.steps` Adam steps (learning rate `data.lr`) on the batch, projecting it back into [0, 1] after each;
 * gaussian keeps the draw. The inputs are stored as bytes (×255, rounded) and labelled with the teacher's
 * prediction on exactly those bytes (inception: with the target class). Memory: one batch of tensors at a time,
 * plus the samples × features bytes of the result.
 */
export async function synthesizeInputs(options: SynthesizeOptions): Promise<SynthesisState> {
  const { probe, data, shape, classes, signal } = options;
  const features = shape[0] * shape[1] * shape[2];
  if (data.method === 'bns' && probe.batchNormLayers === 0) {
    throw new RunConfigError(bnsTeacherRule('this teacher'));
  }
  const total = synthesisBatches(data);
  const state: SynthesisState = options.resume ?? {
    batches: 0,
    inputs: new Uint8Array(data.samples * features),
    labels: new Uint16Array(data.samples),
    losses: [],
    hits: 0,
  };
  const inputShape = (n: number) => (probe.layout === 'flat' ? [n, features] : [n, ...shape]);
  for (let b = state.batches; b < total; b++) {
    if (signal?.aborted) throw abortError(signal);
    const started = performance.now();
    const from = b * data.batchSize;
    const n = Math.min(data.batchSize, data.samples - from);
    const random = mulberry32(deriveSeed(data.seed, 'synthesis', b));
    const start = new Float32Array(n * features);
    for (let i = 0; i < start.length; i++) start[i] = Math.min(1, Math.max(0, 0.5 + 0.5 * normal(random)));
    const targets = new Int32Array(n);
    for (let i = 0; i < n; i++) targets[i] = (from + i) % classes;
    const x = tf.variable(tf.tensor(start, inputShape(n)), true);
    let loss: number;
    try {
      const objective = (): tf.Scalar =>
        tf.tidy(() => {
          const out = probe.run(x);
          if (data.method === 'inception') {
            return inceptionLoss(out.logits, targets, x.reshape([n, ...shape]) as tf.Tensor4D);
          }
          return out.bnInputs.length > 0 ? bnStatisticsLoss(out.bnInputs, probe.stored) : tf.scalar(0);
        });
      if (data.method === 'gaussian') {
        const value = objective();
        loss = (await value.data())[0] as number;
        value.dispose();
      } else {
        const optimizer = tf.train.adam(data.lr);
        try {
          loss = Number.NaN;
          for (let step = 0; step < data.steps; step++) {
            if (signal?.aborted) throw abortError(signal);
            const last = step === data.steps - 1;
            const cost = optimizer.minimize(objective, last, [x]);
            if (cost) {
              loss = (await cost.data())[0] as number;
              cost.dispose();
            }
            tf.tidy(() => x.assign(x.clipByValue(0, 1)));
          }
        } finally {
          optimizer.dispose();
        }
      }
      const values = await x.data();
      const bytes = state.inputs.subarray(from * features, (from + n) * features);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round((values[i] as number) * 255);
    } finally {
      x.dispose();
    }
    // The teacher's prediction on the stored bytes, which are what students will see.
    const predicted = tf.tidy(() => {
      const stored = tf.tensor(state.inputs.subarray(from * features, (from + n) * features), inputShape(n), 'float32');
      return probe.run(stored.div(255)).logits.argMax(1);
    });
    const argmax = (await predicted.data()) as Int32Array;
    predicted.dispose();
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const label = data.method === 'inception' ? (targets[i] as number) : (argmax[i] as number);
      state.labels[from + i] = label;
      if (argmax[i] === label) hits++;
    }
    state.batches = b + 1;
    state.losses.push(loss);
    state.hits += hits;
    await options.onBatch?.(
      { batch: b + 1, batches: total, loss, agreement: hits / n, seconds: (performance.now() - started) / 1000 },
      state,
    );
  }
  return state;
}
