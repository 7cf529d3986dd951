import type { RunOutcome } from '@distillery/ml';
import type { ExecuteRun, TrainingCheckpoint } from '../../src/checkpoints/training-checkpoints.ts';

export interface FakeTrainingOptions {
  epochs: number;
  /** Throw this from the given epoch (1-based), before its onEpoch. */
  throwAt?: { epoch: number; error: () => Error };
  /** Report a NaN training loss at this epoch. */
  nanAt?: number;
  /** Awaited before each epoch (e.g. to hold the run mid-training until the test acts). */
  beforeEpoch?: (epoch: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** What a fake execution saw. */
export interface FakeTrainingLog {
  /** The epoch each call resumed after (0: from scratch). */
  resumedFrom: number[];
  /** Epochs trained, across calls. */
  trained: number[];
}

/**
 * A stand-in for packages/ml's executeRun that honours the checkpoint contract (resumeFrom, onCheckpoint after
 * onEpoch) and the abort signal, without TensorFlow.js: the worker's plumbing is tested on its own.
 */
export function fakeTraining(options: FakeTrainingOptions): { executeRun: ExecuteRun; log: FakeTrainingLog } {
  const log: FakeTrainingLog = { resumedFrom: [], trained: [] };
  const executeRun: ExecuteRun = async (input) => {
    const from = input.resumeFrom?.epoch ?? 0;
    log.resumedFrom.push(from);
    for (let epoch = from + 1; epoch <= options.epochs; epoch++) {
      if (input.signal?.aborted) throw new DOMException('the run was aborted', 'AbortError');
      await options.beforeEpoch?.(epoch, input.signal);
      if (input.signal?.aborted) throw new DOMException('the run was aborted', 'AbortError');
      if (options.throwAt?.epoch === epoch) throw options.throwAt.error();
      log.trained.push(epoch);
      await input.onEpoch?.({
        epoch,
        epochs: options.epochs,
        trainLoss: options.nanAt === epoch ? Number.NaN : 1 / epoch,
        trainAccuracy: 0.5,
        valLoss: null,
        valAccuracy: null,
        learningRate: 0.01,
        seconds: 0.001,
      });
      const checkpoint: TrainingCheckpoint = {
        epoch,
        files: [{ name: 'state.bin', contentType: 'application/octet-stream', data: Uint8Array.of(epoch, 7, 7) }],
      };
      await input.onCheckpoint?.(checkpoint);
    }
    return outcome();
  };
  return { executeRun, log };
}

/** The split digest every fake run reports (no data are loaded). */
export const FAKE_SPLIT_DIGEST = '0'.repeat(64);

/** A result tests store with completeRun by hand, for a run no fake trained. */
export const STAND_IN_RESULT = {
  accuracy: 0.5,
  loss: 1,
  parameters: 1,
  bytes: 1,
  bits: 32,
  backend: 'fake',
  seconds: 0,
  splitDigest: FAKE_SPLIT_DIGEST,
};

function outcome(): RunOutcome {
  return {
    // No data are loaded: no test examples to predict.
    testPredictions: null,
    accuracy: 0.5,
    loss: 1,
    parameters: 1,
    bytes: 4,
    sizeBreakdown: {
      bytes: 4,
      codeBytes: 0,
      headerBytes: 0,
      floatBytes: 4,
      quantizedValues: 0,
      quantizedFraction: 0,
      indexBytes: 0,
      prunedValues: 0,
    },
    bits: 32,
    backend: 'fake',
    trainPath: 'reference',
    splitDigest: FAKE_SPLIT_DIGEST,
    artifact: {
      files: [{ name: 'model.json', contentType: 'application/json', data: new TextEncoder().encode('{}') }],
    },
  };
}

/** Resolves after `ms`, or when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
