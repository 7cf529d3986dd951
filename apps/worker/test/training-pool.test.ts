import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CheckpointError,
  clearDatasetCache,
  DatasetError,
  datasetCacheUsage,
  type ExecuteRunInput,
  isSharedDataset,
  loadDataset,
} from '@distillery/ml';
import { type DatasetSpec, RunConfig } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPermanentRunError, NonFiniteLossError } from '../src/run-errors.ts';
import { reviveError, serializeError, TrainingThreadError } from '../src/threads/thread-errors.ts';
import { TrainingPool } from '../src/threads/training-pool.ts';

const DATASET: DatasetSpec = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };

/** A tiny MLP teacher of `epochs` epochs on generated data. */
function teacher(seed: number, epochs = 2): RunConfig {
  return RunConfig.parse({
    kind: 'teacher',
    dataset: DATASET,
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: { epochs, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
    distill: null,
    quantize: null,
    seed,
  });
}

describe('TrainingPool start', () => {
  it('starts its other threads as soon as the first is ready, before any task waits for them', async () => {
    const pool = new TrainingPool({ threads: 2 });
    try {
      await pool.start(() => {});
      expect(pool.threadCount).toBe(2);
      await pool.settled();
      const outcomes = await Promise.all([1, 2].map((seed) => pool.executeRun({ config: teacher(seed, 1) })));
      expect(outcomes.map((o) => o.trainPath)).toEqual(['fused-mlp', 'fused-mlp']);
      expect(pool.threadCount).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('with warm: false starts one thread, and another only when a second task waits', async () => {
    const pool = new TrainingPool({ threads: 2, warm: false });
    try {
      await pool.start(() => {});
      await pool.settled();
      expect(pool.threadCount).toBe(1);
      await pool.executeRun({ config: teacher(1, 1) });
      expect(pool.threadCount).toBe(1);
      await Promise.all([1, 2].map((seed) => pool.executeRun({ config: teacher(seed, 1) })));
      expect(pool.threadCount).toBe(2);
    } finally {
      await pool.close();
    }
  });
});

describe('TrainingPool', () => {
  const pool = new TrainingPool({ threads: 2 });

  beforeAll(async () => {
    clearDatasetCache();
    await pool.start(() => {});
  });
  afterAll(() => pool.close());

  it('trains runs on its threads, loading their data set once in this thread, in shared memory', async () => {
    const epochs: string[] = [];
    const run = (seed: number) =>
      pool.executeRun({ config: teacher(seed), onEpoch: (m) => void epochs.push(`${seed}:${m.epoch}`) });
    const outcomes = await Promise.all([run(1), run(2)]);
    expect(outcomes.map((o) => o.trainPath)).toEqual(['fused-mlp', 'fused-mlp']);
    expect(epochs.sort()).toEqual(['1:1', '1:2', '2:1', '2:2']);
    // One entry here (the threads asked this thread for it), held in SharedArrayBuffers, so no copy was posted.
    expect(datasetCacheUsage().entries).toBe(1);
    expect(isSharedDataset(loadDataset(DATASET))).toBe(true);
  });

  it('awaits checkpoints here before the thread goes on, with the files to resume from', async () => {
    const seen: number[] = [];
    let storing = false;
    await pool.executeRun({
      config: teacher(3, 3),
      onEpoch: () => {
        // The next epoch never starts while a checkpoint is still being stored.
        expect(storing).toBe(false);
      },
      onCheckpoint: async (c) => {
        storing = true;
        await new Promise((r) => setTimeout(r, 20));
        seen.push(c.epoch);
        expect(c.files.map((f) => f.name).sort()).toEqual(['checkpoint.json', 'state.bin']);
        storing = false;
      },
    });
    expect(seen).toEqual([1, 2, 3]);
  });

  it('brings back a data-set error from a thread as its class and code: permanent, as in one thread', async () => {
    const config = RunConfig.parse({
      ...teacher(4),
      dataset: { name: 'idx', path: '/outside', shape: [4, 4, 1], classes: 3 },
    });
    const error = await pool.executeRun({ config, dataRoots: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toMatchObject({ code: 'DATASET_PATH', message: expect.stringContaining('outside the data roots') });
    expect(isPermanentRunError(error)).toBe(true);
  });

  it('brings back a refused checkpoint as a CheckpointError with its reason', async () => {
    const input: ExecuteRunInput = {
      config: teacher(5),
      resumeFrom: {
        epoch: 1,
        files: [{ name: 'checkpoint.json', contentType: 'application/json', data: new Uint8Array(3) }],
      },
    };
    const error = await pool.executeRun(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toMatchObject({ code: 'CHECKPOINT', reason: 'format' });
  });

  it("rejects with the very error this thread's callback threw (a diverged loss stays permanent)", async () => {
    const diverged = new NonFiniteLossError(1, Number.NaN);
    const error = await pool
      .executeRun({
        config: teacher(6, 5),
        onEpoch: () => {
          throw diverged;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBe(diverged);
    expect(isPermanentRunError(error)).toBe(true);
  });

  it('trains a pack in one thread: each member its own callbacks and outcome, an aborted member alone stops', async () => {
    const parent = (await pool.executeRun({ config: teacher(11, 1) })).artifact;
    const student = (seed: number, epochs: number) =>
      RunConfig.parse({
        ...teacher(seed, epochs),
        kind: 'student',
        model: { family: 'mlp', hidden: [4], activation: 'relu' },
        distill: { temperature: 2, alpha: 0.7 },
      });
    const stop = new AbortController();
    const epochs: string[] = [];
    const [kept, stopped] = pool.executePack([
      { config: student(1, 3), parent, onEpoch: (m) => void epochs.push(`kept:${m.epoch}`) },
      {
        config: student(2, 50),
        parent,
        signal: stop.signal,
        onEpoch: (m) => {
          epochs.push(`stopped:${m.epoch}`);
          if (m.epoch === 1) stop.abort('cancelled');
        },
      },
    ]) as [Promise<unknown>, Promise<unknown>];
    await expect(stopped).rejects.toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    await expect(kept).resolves.toMatchObject({ trainPath: expect.any(String) });
    expect(epochs.filter((e) => e.startsWith('kept:'))).toEqual(['kept:1', 'kept:2', 'kept:3']);
    expect(epochs.filter((e) => e.startsWith('stopped:')).length).toBeLessThanOrEqual(2);
  });

  it('ends every member of a pack the thread refuses as a whole with that error, and stays free', async () => {
    const parent = (await pool.executeRun({ config: teacher(12, 1) })).artifact;
    const member = {
      config: RunConfig.parse({ ...teacher(13), kind: 'student', distill: { temperature: 2, alpha: 0.7 } }),
      parent,
    };
    const settled = await Promise.allSettled(pool.executePack([member, member], { sliceMs: -1 }));
    expect(settled.map((s) => s.status === 'rejected' && (s.reason as Error).name)).toEqual([
      'RangeError',
      'RangeError',
    ]);
    await expect(pool.executeRun({ config: teacher(14, 1) })).resolves.toMatchObject({ trainPath: 'fused-mlp' });
  });

  it('stops a run in its thread when its signal aborts, with an AbortError carrying the reason', async () => {
    const controller = new AbortController();
    const epochs: number[] = [];
    const error = await pool
      .executeRun({
        config: teacher(7, 200),
        signal: controller.signal,
        onEpoch: (m) => {
          epochs.push(m.epoch);
          if (m.epoch === 2) controller.abort('cancelled');
        },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    // Aborted during epoch 2's callback: at most the epoch after it started.
    expect(epochs.at(-1)).toBeLessThanOrEqual(3);
    // The thread is free again.
    await expect(pool.executeRun({ config: teacher(8, 1) })).resolves.toMatchObject({ trainPath: 'fused-mlp' });
  });
});

describe('errors crossing a thread', () => {
  it('keep the name, message and code of an error outside packages/ml, which stays retryable', () => {
    const original = Object.assign(new Error('connection reset'), { name: 'SocketError', code: 'ECONNRESET' });
    const revived = reviveError(serializeError(original));
    expect(revived).toMatchObject({ name: 'SocketError', message: 'connection reset', code: 'ECONNRESET' });
    expect(revived.stack).toBe(original.stack);
    expect(isPermanentRunError(revived)).toBe(false);
  });

  it('keep a lost thread retryable', () => {
    const revived = reviveError(serializeError(new TrainingThreadError('a training thread stopped (exit code 1)')));
    expect(revived).toBeInstanceOf(TrainingThreadError);
    expect(isPermanentRunError(revived)).toBe(false);
  });
});

/** Runs support/idle-pool-process.ts in a process of its own: its exit code and output. */
async function runFixture(...args: string[]): Promise<{ code: unknown; output: string }> {
  const fixture = join(import.meta.dirname, 'support', 'idle-pool-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  return { code, output: output.trim() };
}

describe('a closed or idle pool', () => {
  it('ends its threads on close, an idle one keeps no process alive, and close holds the process until they exit', async () => {
    const pool = new TrainingPool({ threads: 1 });
    await pool.start(() => {});
    await pool.close();
    await expect(pool.executeRun({ config: teacher(9, 1) })).rejects.toBeInstanceOf(TrainingThreadError);

    // A process that trained a run and never closed its pool exits by itself: only a busy thread holds it.
    expect(await runFixture()).toEqual({ code: 0, output: 'fused-mlp' });
    // Closed at once after its run, it waits for its threads to exit (and says so) instead of exiting before.
    expect(await runFixture('close')).toEqual({ code: 0, output: 'fused-mlp\nclosed' });
  }, 60_000);
});
