import { type DatasetSpec, type EpochMetrics, packKey, type RunConfig, type StudentRunConfig } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights } from '../src/artifact/packed-artifact.ts';
import {
  type ExecuteRunInput,
  executePack,
  executeRun,
  RunConfigError,
  type RunOutcome,
  type TrainingCheckpoint,
} from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const dataset: DatasetSpec = {
  name: 'synthetic',
  shape: [12, 12, 1],
  classes: 4,
  limit: { train: 320, test: 128 },
  validation: 0.125,
};
const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset,
  model: { family: 'mlp', hidden: [32], activation: 'relu' },
  train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
  seed: 1,
  distill: null,
  quantize: null,
};
const base: StudentRunConfig = {
  kind: 'student',
  dataset,
  model: { family: 'mlp', hidden: [16], activation: { name: 'prelu', slopes: 'layer' }, batchNorm: true },
  train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
  seed: 1,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};
/** One pack, mixed: seeds, optimizers and learning rates, schedules, distillation settings, activations. */
const configs: StudentRunConfig[] = [
  base,
  {
    ...base,
    seed: 2,
    train: { ...base.train, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 } },
    distill: { temperature: 4, alpha: 0.5 },
  },
  {
    ...base,
    seed: 3,
    model: { ...base.model, activation: { name: 'swish', beta: 'layer' } },
    train: { ...base.train, optimizer: { name: 'adam', lr: 0.005 }, schedule: { name: 'cosine' } },
  },
];

/** An epoch's metrics without its wall time. */
const measured = ({ seconds: _, ...m }: EpochMetrics) => m;
const weightsOf = (o: RunOutcome) => {
  const tensors = decodeWeights(o.artifact).values;
  const all = new Float32Array(tensors.reduce((n, t) => n + t.length, 0));
  let at = 0;
  for (const t of tensors) {
    all.set(t, at);
    at += t.length;
  }
  return all;
};

interface Trained {
  outcome: RunOutcome;
  epochs: EpochMetrics[];
  checkpoints: TrainingCheckpoint[];
}

function recorded(config: RunConfig, parent: RunOutcome, extra: Partial<ExecuteRunInput> = {}) {
  const trained: Omit<Trained, 'outcome'> = { epochs: [], checkpoints: [] };
  const input: ExecuteRunInput = {
    config,
    parent: parent.artifact,
    onEpoch: (m) => void trained.epochs.push(m),
    onCheckpoint: async (c) => void trained.checkpoints.push(c),
    ...extra,
  };
  return { input, trained };
}

function expectSameTraining(packed: Trained, solo: Trained): void {
  expect(packed.epochs.length).toBe(solo.epochs.length);
  packed.epochs.forEach((m, i) => {
    const s = measured(solo.epochs[i] as EpochMetrics);
    for (const [key, value] of Object.entries(measured(m))) {
      const want = s[key as keyof typeof s];
      if (typeof value === 'number' && typeof want === 'number') expect(value).toBeCloseTo(want, 5);
      else expect(value).toBe(want);
    }
  });
  const a = weightsOf(packed.outcome);
  const b = weightsOf(solo.outcome);
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  expect(worst).toBeLessThan(1e-5);
  expect(Math.abs(packed.outcome.accuracy - solo.outcome.accuracy)).toBeLessThanOrEqual(0.001);
  expect(packed.outcome.bytes).toBe(solo.outcome.bytes);
}

describe('executePack', () => {
  let teacher: RunOutcome;
  const solo: Trained[] = [];

  beforeAll(async () => {
    teacher = await executeRun({ config: teacherConfig });
    for (const config of configs) {
      const { input, trained } = recorded(config, teacher);
      solo.push({ ...trained, outcome: await executeRun(input) });
    }
  }, 120_000);

  it('packs the mixed members: their pack keys are equal', () => {
    const keys = new Set(configs.map(packKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).not.toBeNull();
  });

  it('trains every member, one batch each in turn, to the metrics per epoch, weights and accuracy it reaches alone, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    // Which member trained each batch, in order: a pack steps its members in turn, not one after another.
    const order: number[] = [];
    const runs = configs.map((config, i) => recorded(config, teacher, { onBatch: () => void order.push(i) }));
    const outcomes = await Promise.all(
      executePack(
        runs.map((r) => r.input),
        { sliceMs: 0 },
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(order.slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(order.length).toBe(3 * 2 * Math.ceil(280 / 32));
    outcomes.forEach((outcome, i) => {
      const packed = { ...(runs[i] as ReturnType<typeof recorded>).trained, outcome };
      expectSameTraining(packed, solo[i] as Trained);
      expect(packed.checkpoints.map((c) => c.epoch)).toEqual([1, 2]);
      expect(outcome.trainPath).toBe('fused-mlp');
    });
  });

  it('stops only the member whose signal aborts; the others finish as they would alone', async () => {
    const controller = new AbortController();
    let batches = 0;
    const runs = configs.map((config, i) =>
      recorded(
        config,
        teacher,
        i === 1
          ? {
              signal: controller.signal,
              onBatch: () => {
                batches++;
                if (batches === 3) controller.abort();
              },
            }
          : {},
      ),
    );
    const before = tf.memory().numTensors;
    const settled = await Promise.allSettled(executePack(runs.map((r) => r.input)));
    expect(tf.memory().numTensors).toBe(before);
    expect(settled[1]?.status).toBe('rejected');
    expect((settled[1] as PromiseRejectedResult).reason.name).toBe('AbortError');
    expect(runs[1]?.trained.epochs).toEqual([]);
    for (const i of [0, 2]) {
      const result = settled[i] as PromiseFulfilledResult<RunOutcome>;
      expect(result.status).toBe('fulfilled');
      expectSameTraining(
        { ...(runs[i] as ReturnType<typeof recorded>).trained, outcome: result.value },
        solo[i] as Trained,
      );
    }
  });

  it('drops a cancelled member at the next yield of the loop, while another member is still in its turn', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    let batches = 0;
    const runs = configs.slice(0, 2).map((config, i) =>
      recorded(
        config,
        teacher,
        i === 0
          ? {
              onBatch: () => {
                batches++;
                events.push(`batch ${batches}`);
                if (batches !== 3) return;
                controller.abort();
                // Longer than the loop's yield interval: the loop yields after this batch.
                const until = performance.now() + 60;
                while (performance.now() < until) {}
              },
            }
          : { signal: controller.signal },
      ),
    );
    // One turn long enough for member 0 to train to its end: member 1 must not wait for it.
    const [first, second] = executePack(
      runs.map((r) => r.input),
      { sliceMs: 60_000 },
    );
    const cancelled = (second as Promise<RunOutcome>).catch((e: Error) => void events.push(`member 1 ${e.name}`));
    await Promise.all([first, cancelled]);
    expect(events.slice(0, 4)).toEqual(['batch 1', 'batch 2', 'batch 3', 'member 1 AbortError']);
  });

  it("fails only the member whose input or callback fails, with that member's error", async () => {
    const runs = configs.map((config) => recorded(config, teacher));
    const broken = { ...(runs[1] as ReturnType<typeof recorded>).input, parent: undefined };
    const storageDown = new Error('checkpoint storage unavailable');
    const failing: ExecuteRunInput = {
      ...(runs[2] as ReturnType<typeof recorded>).input,
      onCheckpoint: async () => {
        throw storageDown;
      },
    };
    const settled = await Promise.allSettled(
      executePack([runs[0]?.input as ExecuteRunInput, broken, failing], { sliceMs: 0 }),
    );
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(RunConfigError);
    expect((settled[2] as PromiseRejectedResult).reason).toBe(storageDown);
    const first = settled[0] as PromiseFulfilledResult<RunOutcome>;
    expectSameTraining(
      { ...(runs[0] as ReturnType<typeof recorded>).trained, outcome: first.value },
      solo[0] as Trained,
    );
  });

  it('resumes members from their own checkpoints, at different epochs, packed or solo, to the uninterrupted result', async () => {
    // Member 0 resumes from its solo run's epoch-1 checkpoint, member 1 starts afresh, member 2 resumes from the
    // checkpoint a pack wrote (taken below from an interrupted pack).
    const interrupted = new AbortController();
    const first = recorded(configs[2] as RunConfig, teacher, {
      signal: interrupted.signal,
      onCheckpoint: async (c) => {
        first.trained.checkpoints.push(c);
        interrupted.abort();
      },
    });
    const [stopped] = await Promise.allSettled(
      executePack([first.input, recorded(configs[0] as RunConfig, teacher).input]),
    );
    expect(stopped?.status).toBe('rejected');
    const packedCheckpoint = first.trained.checkpoints[0] as TrainingCheckpoint;
    expect(packedCheckpoint.epoch).toBe(1);

    const runs = [
      recorded(configs[0] as RunConfig, teacher, { resumeFrom: solo[0]?.checkpoints[0] as TrainingCheckpoint }),
      recorded(configs[1] as RunConfig, teacher),
      recorded(configs[2] as RunConfig, teacher, { resumeFrom: packedCheckpoint }),
    ];
    const outcomes = await Promise.all(executePack(runs.map((r) => r.input)));
    outcomes.forEach((outcome, i) => {
      const resumed = { ...(runs[i] as ReturnType<typeof recorded>).trained, outcome };
      const alone = solo[i] as Trained;
      const from = i === 1 ? 0 : 1;
      expectSameTraining(resumed, { ...alone, epochs: alone.epochs.slice(from) });
    });

    // And a packed checkpoint resumes solo, to the same result.
    const soloResumed = recorded(configs[2] as RunConfig, teacher, { resumeFrom: packedCheckpoint });
    const outcome = await executeRun(soloResumed.input);
    expectSameTraining(
      { ...soloResumed.trained, outcome },
      { ...(solo[2] as Trained), epochs: solo[2]?.epochs.slice(1) ?? [] },
    );
  });

  it('packs QAT variants of other bit widths, and trains a member it cannot pack (a PTQ variant) alone, as executeRun does', async () => {
    const qat = (bits: 4 | 8, seed: number): RunConfig => ({
      ...base,
      kind: 'quantize-qat',
      seed,
      quantize: { method: 'qat', bits, bucketSize: 64, keepFloat: 'none' },
    });
    const ptq: RunConfig = {
      ...base,
      kind: 'quantize-ptq',
      train: null,
      quantize: { method: 'ptq', bits: 4, bucketSize: 64, keepFloat: 'none' },
    };
    expect(packKey(qat(4, 1))).toBe(packKey(qat(8, 2)));
    expect(packKey(ptq)).toBeNull();
    const configsHere = [qat(4, 1), qat(8, 2)];
    const alone: Trained[] = [];
    for (const config of configsHere) {
      const { input, trained } = recorded(config, teacher);
      alone.push({ ...trained, outcome: await executeRun(input) });
    }
    const ptqAlone = await executeRun({ config: ptq, parent: solo[0]?.outcome.artifact });
    const runs = configsHere.map((config) => recorded(config, teacher));
    const outcomes = await Promise.all(
      executePack([...runs.map((r) => r.input), { config: ptq, parent: solo[0]?.outcome.artifact }], { sliceMs: 0 }),
    );
    runs.forEach((r, i) => {
      expectSameTraining({ ...r.trained, outcome: outcomes[i] as RunOutcome }, alone[i] as Trained);
      expect(outcomes[i]?.bits).toBe(i === 0 ? 4 : 8);
    });
    expect(outcomes[2]?.accuracy).toBe(ptqAlone.accuracy);
    expect(outcomes[2]?.bytes).toBe(ptqAlone.bytes);
  });

  it('refuses a negative slice, naming the option', () => {
    expect(() => executePack([], { sliceMs: -1 })).toThrow(/sliceMs must be a finite number ≥ 0, got -1/);
  });
});
