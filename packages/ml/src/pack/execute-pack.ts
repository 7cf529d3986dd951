import { packKey, RunConfig } from '@distillery/spec';
import type * as tf from '@tensorflow/tfjs';
import { currentBackend } from '../backend/init-backend.ts';
import { abortError, RunConfigError } from '../errors.ts';
import { buildModel } from '../model/build-model.ts';
import { type ExecuteRunInput, executeRun, type RunOutcome } from '../run/execute-run.ts';
import { finishRun } from '../run/finish-run.ts';
import { type BuiltRunConfig, checkWeights, planRun } from '../run/run-plan.ts';
import { kdTeacherLogits } from '../run/teacher-logits.ts';
import { afterTraining, type TrainingPlan, trainingOptions } from '../run/training-options.ts';
import { chooseTrainingStep, YIELD_EVERY_MS } from '../train/train-model.ts';
import { TrainingSession } from '../train/training-session.ts';

/** How `executePack` trains its members. */
export interface ExecutePackOptions {
  /**
   * 'auto': the members share one training loop; 'solo': each member by `executeRun`, one after another (what a
   * pack is held equal to in its tests and benchmarks).
   * @defaultValue 'auto'
   */
  mode?: 'auto' | 'solo';
  /**
   * Milliseconds of training a member gets before the loop moves on to the next (at least one unit: a batch
   * or an epoch's close); 0 moves on after every unit. The default is the loop's yield interval, so a member
   * trains for as long as the loop runs without yielding and its buffers stay in the CPU's caches meanwhile;
   * bench/ml-pack.ts measured no difference per step outside its noise between 50 and 0 (one batch each in
   * turn) for MLP and CNN students with packs of 4 and 16.
   * @defaultValue 50
   */
  sliceMs?: number;
}

const DEFAULTS: Required<ExecutePackOptions> = { mode: 'auto', sliceMs: 50 };

/** A member being trained in the pack's loop. */
interface PackMember {
  index: number;
  plan: TrainingPlan;
  model: tf.LayersModel;
  session: TrainingSession;
}

interface Settler {
  resolve(outcome: RunOutcome): void;
  reject(error: unknown): void;
}

/**
 * Trains the runs of one pack (configs with equal `packKey`, see packages/spec) together and returns one promise
 * per member, in the members' order, each settling on its own: with the member's RunOutcome, or with its own
 * error. A member whose `signal` aborts rejects with an AbortError and leaves the pack (at its next batch, or
 * at the loop's next yield while another member trains) and the others go on; a member's error does not fail
 * the others. Every member keeps its `ExecuteRunInput` contract exactly as `executeRun` gives it: `onEpoch`,
 * `onBatch`, `signal`, `resumeFrom` (members may resume from different epochs), `onCheckpoint` (checkpoints in
 * the solo format: a packed run resumes solo and vice versa), and the same outcome — metrics, weights,
 * artifact — as training it alone.
 *
 * How: every member is planned (its checkpoint checked, data selected) and built first; the teacher's logits
 * are computed once per teacher and shared. Then one loop advances each member's TrainingSession in turn, for
 * `sliceMs` at a time (units: a batch, or an epoch's close: validation, onEpoch, onCheckpoint), with the
 * training step trainModel would choose for it: the fused wasm step where one supports the model, else the
 * reference step — the loop is the same on every backend (cpu and tensorflow included). A member that has
 * trained its last epoch is evaluated and saved at once and settles while the others go on. A member whose
 * config is not packable (packKey null: teacher, PTQ, prune, iPQ, CREMBO, SMH, imported) is trained by
 * `executeRun` after the packed ones, one after another.
 *
 * The members' steps share no arithmetic (each has its own batches and weights): a pack trains no faster per
 * step than its members alone (bench/ml-pack.ts), its savings are per job, not per step.
 *
 * Attach handlers to every promise at once: a member that fails early rejects before the others settle.
 */
export function executePack(
  members: readonly ExecuteRunInput[],
  options: ExecutePackOptions = {},
): Promise<RunOutcome>[] {
  const { mode, sliceMs } = { ...DEFAULTS, ...options };
  if (!Number.isFinite(sliceMs) || sliceMs < 0) {
    throw new RangeError(`executePack: sliceMs must be a finite number ≥ 0, got ${sliceMs}`);
  }
  const settlers: Settler[] = [];
  const promises = members.map(
    () => new Promise<RunOutcome>((resolve, reject) => void settlers.push({ resolve, reject })),
  );
  const run = mode === 'solo' ? trainSolo(members, settlers) : trainPacked(members, settlers, sliceMs);
  // Every error is a member's own and settles its promise; anything else failing rejects whoever is unsettled.
  run.catch((e: unknown) => {
    for (const s of settlers) s.reject(e);
  });
  return promises;
}

async function trainSolo(members: readonly ExecuteRunInput[], settlers: Settler[]): Promise<void> {
  for (const [i, member] of members.entries()) {
    const settler = settlers[i] as Settler;
    try {
      settler.resolve(await executeRun(member));
    } catch (e) {
      settler.reject(e);
    }
  }
}

async function trainPacked(members: readonly ExecuteRunInput[], settlers: Settler[], sliceMs: number): Promise<void> {
  const backend = await currentBackend();
  const active: PackMember[] = [];
  const solo: number[] = [];
  for (const [index, input] of members.entries()) {
    try {
      const member = await openMember(index, input, backend);
      if (member) active.push(member);
      else solo.push(index);
    } catch (e) {
      (settlers[index] as Settler).reject(e);
    }
  }
  const leave = (member: PackMember) => {
    const at = active.indexOf(member);
    if (at < 0) return;
    active.splice(at, 1);
    member.session.dispose();
    member.model.dispose();
  };
  // A member cancelled while others train leaves at once, not at its next turn.
  const dropAborted = () => {
    for (const member of [...active]) {
      const signal = members[member.index]?.signal;
      if (!signal?.aborted) continue;
      leave(member);
      (settlers[member.index] as Settler).reject(abortError(signal));
    }
  };
  let lastYield = performance.now();
  while (active.length > 0) {
    for (const member of [...active]) {
      if (!active.includes(member)) continue;
      const settler = settlers[member.index] as Settler;
      const sliceEnds = performance.now() + sliceMs;
      try {
        do {
          const unit = await member.session.advance();
          if (unit === 'epoch') lastYield = performance.now();
          if (member.session.done) {
            const outcome = await completeMember(member);
            leave(member);
            settler.resolve(outcome);
            break;
          }
          if (performance.now() - lastYield > YIELD_EVERY_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            lastYield = performance.now();
            dropAborted();
          }
        } while (performance.now() < sliceEnds && active.includes(member));
      } catch (e) {
        leave(member);
        settler.reject(e);
      }
    }
  }
  await trainSolo(
    solo.map((i) => members[i] as ExecuteRunInput),
    solo.map((i) => settlers[i] as Settler),
  );
}

/**
 * A packable member planned, its teacher's logits at hand and its model built, ready to train; null for a
 * member that is not packable (trained solo). Throws what executeRun would throw before training.
 */
async function openMember(index: number, input: ExecuteRunInput, backend: string): Promise<PackMember | null> {
  const parsed = RunConfig.safeParse(input.config);
  if (!parsed.success) throw new RunConfigError(`invalid run config: ${parsed.error.message}`, { cause: parsed.error });
  const { signal } = input;
  if (signal?.aborted) throw abortError(signal);
  const config = parsed.data;
  if (packKey(config) === null || (config.kind !== 'student' && config.kind !== 'quantize-qat')) return null;
  const plan = planRun(input, config as BuiltRunConfig, backend) as TrainingPlan;
  const teacherLogits = await kdTeacherLogits(config, plan.parent, plan.data, plan.dataset, backend);
  if (signal?.aborted) throw abortError(signal);
  const model = buildModel(config.model, plan.shape, config.seed);
  try {
    checkWeights(model, plan.tensors);
    const options = trainingOptions(plan, input, model, teacherLogits);
    return { index, plan, model, session: new TrainingSession(options, chooseTrainingStep(options)) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** A member that trained its last epoch: its final quantization and statistics, test accuracy and artifact. */
async function completeMember(member: PackMember): Promise<RunOutcome> {
  const { path: trainPath } = member.session.finish();
  const quantized = await afterTraining(member.plan, member.model);
  return finishRun(member.plan, member.model, { quantized, masks: new Map(), surp: null, trainPath, crembo: null });
}
