import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  type ExecuteRunInput,
  executePack,
  executeRun,
  initBackend,
  type RunOutcome,
  useDatasetSource,
} from '@distillery/ml';
import { datasetsFromMainThread } from './dataset-channel.ts';
import { serializeError } from './thread-errors.ts';
import type { FromThread, ThreadRunInput, ThreadStart, ThreadTask, ToThread } from './thread-protocol.ts';

/**
 * A training thread: its own TensorFlow.js backend (its own wasm instance and fused kernels), executing the
 * tasks its pool sends, one at a time. Everything else — the database, checkpoint storage, heartbeats,
 * cancellations — stays on the main thread, which this thread reaches through messages: epochs and checkpoints
 * are awaited until the main thread replies, as packages/ml awaits its callbacks; batches are not.
 */
if (isMainThread || !parentPort) throw new Error('training-thread.ts runs in a worker thread (see TrainingPool)');
const port = parentPort;
const start = workerData as ThreadStart;

/** The callbacks waiting for the main thread's reply, by call id. */
const calls = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
/** The aborts of the task in progress, by `task:member`. */
const aborts = new Map<string, AbortController>();
let nextCall = 1;

function send(message: FromThread): void {
  port.postMessage(message);
}

/** Posts an awaited callback and resolves when the main thread replies. */
function call(message: FromThread & { call: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    calls.set(message.call, { resolve, reject });
    send(message);
  });
}

/**
 * The least time between two batch positions a member posts, in ms: the main thread writes one at most every
 * second (batchProgressIntervalMs), and a small student's batch takes well under a millisecond, so posting
 * each would cost more than training it. The last batch of an epoch is not posted (the epoch's record says it).
 */
const BATCH_POST_INTERVAL_MS = 100;

/** The main thread's callback threw; it keeps that error and gives it to the caller in place of this one. */
class CallbackFailedError extends Error {
  override readonly name = 'CallbackFailedError';
}

function runInput(task: number, member: number, input: ThreadRunInput, signal: AbortSignal): ExecuteRunInput {
  const { callbacks, ...rest } = input;
  const run: ExecuteRunInput = { ...rest, signal };
  if (callbacks.epoch) run.onEpoch = (metrics) => call({ type: 'epoch', task, member, call: nextCall++, metrics });
  if (callbacks.batch) {
    let postedAt = Number.NEGATIVE_INFINITY;
    run.onBatch = (position) => {
      const now = performance.now();
      if (now - postedAt < BATCH_POST_INTERVAL_MS || position.batch >= position.batches) return;
      postedAt = now;
      send({ type: 'batch', task, member, position });
    };
  }
  if (callbacks.checkpoint) {
    run.onCheckpoint = (checkpoint) => call({ type: 'checkpoint', task, member, call: nextCall++, checkpoint });
  }
  return run;
}

/** Starts `work`: one promise per member, in the members' order. */
function begin(task: number, work: ThreadTask): Promise<RunOutcome>[] {
  const inputs = work.kind === 'run' ? [work.input] : work.members;
  const members = inputs.map((input, member) => {
    const controller = new AbortController();
    aborts.set(`${task}:${member}`, controller);
    return runInput(task, member, input, controller.signal);
  });
  if (work.kind === 'run') return [executeRun(members[0] as ExecuteRunInput)];
  return executePack(members, work.options);
}

/** Executes `work`, reporting each member's outcome as it settles, then that the thread is free. */
async function execute(task: number, work: ThreadTask): Promise<void> {
  let promises: Promise<RunOutcome>[];
  try {
    promises = begin(task, work);
  } catch (error) {
    // A task refused as a whole (executePack throwing) ends every member with that error.
    const members = work.kind === 'run' ? 1 : work.members.length;
    promises = Array.from({ length: members }, () => Promise.reject(error));
  }
  await Promise.all(
    promises.map((p, member) =>
      p.then(
        (outcome) => send({ type: 'member-succeeded', task, member, outcome }),
        (error) => send({ type: 'member-failed', task, member, error: serializeError(error) }),
      ),
    ),
  );
  for (const member of promises.keys()) aborts.delete(`${task}:${member}`);
  send({ type: 'done', task });
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'task':
      void execute(message.task, message.work);
      return;
    case 'abort':
      aborts.get(`${message.task}:${message.member}`)?.abort(message.reason);
      return;
    case 'reply': {
      const pending = calls.get(message.call);
      calls.delete(message.call);
      if (message.failed) pending?.reject(new CallbackFailedError('the main thread callback failed'));
      else pending?.resolve();
      return;
    }
  }
});

useDatasetSource(datasetsFromMainThread(start.datasets, start.datasetReply));
const log: string[] = [];
initBackend(start.backend, (line) => log.push(line)).then(
  (backend) => send({ type: 'ready', backend, log }),
  (error) => send({ type: 'start-failed', error: serializeError(error) }),
);
