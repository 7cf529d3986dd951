import type { Store } from '@distillery/db';
import { DEFAULT_MAX_ATTEMPTS } from '@distillery/spec';
import { describe, expect, it } from 'vitest';
import {
  describeExecutorEvent,
  type ExecutorEvent,
  ExecutorEvents,
  InProcessExecutor,
  RUN_EXECUTOR_DEFAULTS,
  RunWorker,
  resolveExecutorOptions,
} from '../src/index.ts';

// Option checks run before any connection is made: no database is reached through this placeholder.
const db = {} as Store;

describe('the run executor options', () => {
  it('resolves the defaults both executors share, once', () => {
    const o = resolveExecutorOptions('RunWorkerOptions', { db });
    expect(o).toMatchObject(RUN_EXECUTOR_DEFAULTS);
    expect(o.maxAttempts).toBe(DEFAULT_MAX_ATTEMPTS);
  });

  it('rejects nonsense naming the executor, the option and the rule', () => {
    expect(() => new RunWorker({ db, redisUrl: 'redis://127.0.0.1:6379', maxAttempts: 0 })).toThrow(
      'RunWorkerOptions.maxAttempts must be a positive integer, got 0',
    );
    expect(() => new InProcessExecutor({ db, maxAttempts: 1.5 })).toThrow(
      'InProcessExecutorOptions.maxAttempts must be a positive integer, got 1.5',
    );
    expect(() => new InProcessExecutor({ db, heartbeatIntervalMs: 5000, staleAfterMs: 10_000 })).toThrow(
      'InProcessExecutorOptions.staleAfterMs (10000) must exceed twice heartbeatIntervalMs (5000)',
    );
    expect(() => new RunWorker({ db, redisUrl: 'redis://127.0.0.1:6379', lockDurationMs: -1 })).toThrow(
      'RunWorkerOptions.lockDurationMs must be a positive number, got -1',
    );
    expect(() => new InProcessExecutor({ db, packMax: 0 })).toThrow(
      'InProcessExecutorOptions.packMax must be a positive integer, got 0',
    );
    expect(() => new RunWorker({ db, redisUrl: 'redis://127.0.0.1:6379', packMax: 65 })).toThrow(
      'RunWorkerOptions.packMax must be at most 64, got 65',
    );
  });
});

describe('the executor events', () => {
  const started: ExecutorEvent = {
    type: 'run-started',
    runId: 'r1',
    kind: 'teacher',
    label: 'teacher mlp 8 relu',
    attempt: 2,
    resumedAfterEpoch: 3,
    epochs: 5,
  };

  it('reach the listeners of their type and the listeners of every event', () => {
    const events = new ExecutorEvents();
    const every: string[] = [];
    const starts: number[] = [];
    events.onEvery((e) => every.push(e.type));
    events.on('run-started', (e) => starts.push(e.attempt));
    events.emit(started);
    events.emit({ type: 'run-succeeded', runId: 'r1', accuracy: 0.9, bytes: 4 });
    expect(every).toEqual(['run-started', 'run-succeeded']);
    expect(starts).toEqual([2]);
  });

  it('keep going past a listener that throws, and stop at unsubscribe', () => {
    const events = new ExecutorEvents();
    const seen: string[] = [];
    events.onEvery(() => {
      throw new Error('a broken view');
    });
    const off = events.on('run-started', (e) => seen.push(e.runId));
    events.emit(started);
    off();
    events.emit(started);
    expect(seen).toEqual(['r1']);
  });

  it('read as one sentence each', () => {
    expect(describeExecutorEvent(started)).toBe(
      'run r1 (teacher teacher mlp 8 relu) started, attempt 2, resuming after epoch 3 of 5',
    );
    expect(describeExecutorEvent({ type: 'recovered', orphaned: 0, queued: 2 })).toBe(
      '2 queued run(s) from earlier picked up',
    );
    expect(
      describeExecutorEvent({
        type: 'pack-started',
        leaderRunId: 'r1',
        runIds: ['r1', 'r2'],
        labels: ['mlp 4 relu · seed 1', 'mlp 4 relu · seed 2'],
      }),
    ).toBe('pack of 2 runs training together: mlp 4 relu · seed 1 (r1), mlp 4 relu · seed 2 (r2)');
    expect(
      describeExecutorEvent({
        type: 'pack-finished',
        leaderRunId: 'r1',
        outcomes: [
          { runId: 'r1', outcome: 'succeeded' },
          { runId: 'r2', outcome: 'cancelled' },
        ],
      }),
    ).toBe('pack of run r1 finished: r1 succeeded, r2 cancelled');
  });
});
