import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { configureDatasetCache, type ExecutePackOptions, type ExecuteRunInput, type RunOutcome } from '@distillery/ml';
import type { ExecuteRun } from '../checkpoints/training-checkpoints.ts';
import { serveDatasets } from './dataset-channel.ts';
import { reviveError, TrainingThreadError } from './thread-errors.ts';
import type { FromThread, ThreadRunInput, ThreadStart, ThreadTask, ToThread } from './thread-protocol.ts';
import { defaultThreadCount, MAX_THREADS, type TrainingPoolOptions } from './training-pool-options.ts';

const THREAD_ENTRY = new URL('./training-thread.mjs', import.meta.url);

/** One task on its thread: what the main thread does with the thread's messages for it. */
interface Assignment {
  task: number;
  onMessage: (message: FromThread) => void;
  /** The thread stopped before the task ended. */
  onExit: (error: Error) => void;
}

/** One training thread and the task it executes, if any. */
class TrainingThread {
  readonly ready: Promise<{ backend: string; log: string[] }>;
  assignment: Assignment | undefined;
  exited = false;
  private crash: Error | undefined;

  constructor(
    readonly worker: Worker,
    onExit: (thread: TrainingThread) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromThread) => {
        if (message.type === 'ready') resolve(message);
        else if (message.type === 'start-failed') reject(reviveError(message.error));
        else if (this.assignment && 'task' in message && message.task === this.assignment.task) {
          this.assignment.onMessage(message);
        }
      });
      worker.on('error', (error) => {
        this.crash = error;
      });
      worker.on('exit', (code) => {
        this.exited = true;
        const error = new TrainingThreadError(
          `a training thread stopped (exit code ${code})${this.crash ? `: ${this.crash.message}` : ''}`,
          { cause: this.crash },
        );
        reject(error);
        this.assignment?.onExit(error);
        this.assignment = undefined;
        onExit(this);
      });
    });
  }

  post(message: ToThread): void {
    this.worker.postMessage(message);
  }
}

/**
 * The training threads of one process: `threads` worker threads, each with its own TensorFlow.js backend,
 * each executing one task (a run) at a time, so a worker trains that many runs at once on as many cores while
 * its main thread stays free for the database, heartbeats, checkpoint storage and cancellations.
 *
 * {@link executeRun} has packages/ml's `executeRun` signature: its input crosses to a thread, its callbacks are
 * called here (epochs and checkpoints awaited by the thread until they settle, as in one thread), its signal
 * aborts the run in its thread, and its outcome or error comes back — errors as their own class and code, so the
 * worker classifies them as it does in one thread. The data sets are loaded here, once per process, and shared
 * with the threads (SharedArrayBuffers). A thread that dies fails its task with a retryable
 * {@link TrainingThreadError}; a new one starts when a task waits for it.
 */
export class TrainingPool {
  readonly size: number;
  /** The backend every thread loaded, once started. */
  backend: string | undefined;
  private readonly threads = new Set<TrainingThread>();
  private readonly idle: TrainingThread[] = [];
  private readonly waiting: { resolve: (t: TrainingThread) => void; reject: (e: Error) => void }[] = [];
  private nextTask = 1;
  /** Threads started and not yet ready. */
  private starting = 0;
  private closed = false;

  constructor(private readonly options: TrainingPoolOptions = {}) {
    const size = options.threads ?? defaultThreadCount();
    if (!Number.isInteger(size) || size < 1 || size > MAX_THREADS) {
      throw new RangeError(`TrainingPoolOptions.threads must be an integer 1–${MAX_THREADS}, got ${size}`);
    }
    this.size = size;
  }

  /**
   * Starts the first thread and waits until it has loaded its backend; returns the backend's name. With
   * `warm` (the default) the others start loading right after, in the background, so they are ready by the
   * time tasks need them; otherwise they start when tasks first need them. `onLog` receives the backend line
   * (which backend, and why if it is not the one asked for).
   */
  async start(onLog: (line: string) => void = console.log): Promise<string> {
    configureDatasetCache({ shared: true });
    const first = this.spawn();
    try {
      const ready = await first.ready;
      for (const line of ready.log) onLog(line);
      this.backend = ready.backend;
    } catch (error) {
      await this.close();
      throw error;
    }
    this.release(first);
    if (this.options.warm ?? true) this.warm();
    return this.backend;
  }

  /** Threads started, loading their backend or ready (at most {@link size}). */
  get threadCount(): number {
    return this.threads.size;
  }

  /** Resolves once no thread is still loading its backend (each started one ready, or failed to start). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.threads].map((t) => t.ready));
  }

  /** packages/ml's `executeRun`, on a free thread (waiting for one when all are busy). */
  readonly executeRun: ExecuteRun = (input) =>
    this.dispatch({ kind: 'run', input: threadRunInput(input) }, [input])[0] as Promise<RunOutcome>;

  /**
   * packages/ml's `executePack`, on a free thread: one promise per member, each settling on its own, each
   * member's callbacks called here and its signal stopping only it.
   */
  readonly executePack = (
    members: readonly ExecuteRunInput[],
    options: ExecutePackOptions = {},
  ): Promise<RunOutcome>[] => this.dispatch({ kind: 'pack', members: members.map(threadRunInput), options }, members);

  /**
   * Stops every thread (a task still executing fails with a TrainingThreadError); tasks waiting for a thread
   * fail too. Resolves when the threads have exited. Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new TrainingThreadError('the training pool is closed'));
    // Referenced until they have exited: an idle thread is unreferenced, and the caller awaits this.
    await Promise.all(
      [...this.threads].map((t) => {
        t.worker.ref();
        return t.worker.terminate();
      }),
    );
  }

  private spawn(): TrainingThread {
    const channel = new MessageChannel();
    const datasetReply = new Int32Array(new SharedArrayBuffer(4));
    serveDatasets(channel.port1, datasetReply);
    const workerData: ThreadStart = { backend: this.options.backend, datasets: channel.port2, datasetReply };
    const worker = new Worker(THREAD_ENTRY, { workerData, transferList: [channel.port2] });
    const thread = new TrainingThread(worker, (t) => this.onThreadExit(t, channel.port1));
    this.threads.add(thread);
    return thread;
  }

  private onThreadExit(thread: TrainingThread, datasets: MessagePort): void {
    datasets.close();
    this.threads.delete(thread);
    const at = this.idle.indexOf(thread);
    if (at >= 0) this.idle.splice(at, 1);
    this.growForWaiting();
  }

  /** Starts threads for the tasks waiting, as many as wait beyond those starting, up to the pool's size. */
  private growForWaiting(): void {
    while (!this.closed && this.waiting.length > this.starting && this.threads.size < this.size) this.grow();
  }

  /**
   * Starts every thread the pool may still have, for no task yet: loading a backend takes seconds, which the
   * first task to need another thread would otherwise spend waiting (a sweep's students all become ready when
   * their teacher finishes). The threads keep no process alive while they load or idle.
   */
  private warm(): void {
    while (!this.closed && this.threads.size < this.size) this.grow().worker.unref();
  }

  /** One more thread, handed to a waiting task (or kept idle) once it has loaded its backend. */
  private grow(): TrainingThread {
    this.starting++;
    const thread = this.spawn();
    thread.ready.then(
      () => {
        this.starting--;
        this.release(thread);
      },
      (error: Error) => {
        this.starting--;
        // Without any thread, nothing would ever serve the waiting tasks.
        if (this.threads.size === 0) for (const w of this.waiting.splice(0)) w.reject(error);
      },
    );
    return thread;
  }

  private acquire(): Promise<TrainingThread> {
    if (this.closed) return Promise.reject(new TrainingThreadError('the training pool is closed'));
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    const waiting = new Promise<TrainingThread>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.growForWaiting();
    return waiting;
  }

  /** Hands `thread` to the next waiting task, else keeps it idle (an idle thread does not keep the process alive). */
  private release(thread: TrainingThread): void {
    // A closing pool's threads stay referenced until they have exited (close awaits them).
    if (thread.exited || this.closed) return;
    thread.worker.unref();
    const next = this.waiting.shift();
    if (next) next.resolve(thread);
    else this.idle.push(thread);
  }

  /**
   * Executes `work` on a thread; `members` are the callers' inputs, whose callbacks and signals it serves. One
   * promise per member, settling with the member's outcome or error as the thread reports it.
   */
  private dispatch(work: ThreadTask, members: readonly ExecuteRunInput[]): Promise<RunOutcome>[] {
    const settlers: { resolve: (o: RunOutcome) => void; reject: (e: unknown) => void }[] = [];
    const promises = members.map(
      () => new Promise<RunOutcome>((resolve, reject) => settlers.push({ resolve, reject })),
    );
    const aborted = members.findIndex((m) => m.signal?.aborted);
    if (aborted >= 0) {
      // As packages/ml does for a signal aborted before it starts (a pack's others would go on: callers of a
      // pack check their members' signals before they send it).
      for (const s of settlers) s.reject(abortedBefore(members[aborted]?.signal as AbortSignal));
      return promises;
    }
    this.acquire().then(
      (thread) => this.serve(thread, work, members, settlers),
      (error: unknown) => {
        for (const s of settlers) s.reject(error);
      },
    );
    return promises;
  }

  /** Runs one task on `thread`: its messages answered until it is done (or the thread exits). */
  private serve(
    thread: TrainingThread,
    work: ThreadTask,
    members: readonly ExecuteRunInput[],
    settlers: { resolve: (o: RunOutcome) => void; reject: (e: unknown) => void }[],
  ): void {
    thread.worker.ref();
    const task = this.nextTask++;
    const cleanup: (() => void)[] = [];
    // The first error of a member's callback here is that member's error: the thread only learns that one failed.
    const callbackErrors = new Map<number, unknown>();
    const fail = (member: number, error: unknown) => {
      if (!callbackErrors.has(member)) callbackErrors.set(member, error);
    };
    // The thread waits for a member's epoch and checkpoint callbacks to settle: it is told how they did.
    const reply = (member: number, call: number, callback: () => void | Promise<void>) => {
      invoke(callback).then(
        () => thread.post({ type: 'reply', call, failed: false }),
        (error) => {
          fail(member, error);
          thread.post({ type: 'reply', call, failed: true });
        },
      );
    };
    const finish = () => {
      for (const c of cleanup) c();
      if (thread.assignment?.task === task) thread.assignment = undefined;
      this.release(thread);
    };
    members.forEach((m, member) => {
      if (!m.signal) return;
      const abort = () => thread.post({ type: 'abort', task, member, reason: m.signal?.reason });
      m.signal.addEventListener('abort', abort, { once: true });
      cleanup.push(() => m.signal?.removeEventListener('abort', abort));
    });
    thread.assignment = {
      task,
      onExit: (error) => {
        for (const s of settlers) s.reject(error);
        finish();
      },
      onMessage: (message) => {
        switch (message.type) {
          case 'epoch':
            reply(message.member, message.call, () => members[message.member]?.onEpoch?.(message.metrics));
            return;
          case 'checkpoint':
            reply(message.member, message.call, () => members[message.member]?.onCheckpoint?.(message.checkpoint));
            return;
          case 'batch':
            try {
              members[message.member]?.onBatch?.(message.position);
            } catch (error) {
              fail(message.member, error);
              thread.post({ type: 'abort', task, member: message.member, reason: error });
            }
            return;
          case 'member-succeeded': {
            const settler = settlers[message.member];
            if (callbackErrors.has(message.member)) settler?.reject(callbackErrors.get(message.member));
            else settler?.resolve(message.outcome);
            return;
          }
          case 'member-failed':
            settlers[message.member]?.reject(
              callbackErrors.has(message.member) ? callbackErrors.get(message.member) : reviveError(message.error),
            );
            return;
          case 'done':
            finish();
            return;
        }
      },
    };
    thread.post({ type: 'task', task, work });
  }
}

/** `f()`, a throw turned into a rejection. */
function invoke(f: () => void | Promise<void>): Promise<void> {
  try {
    return Promise.resolve(f());
  } catch (error) {
    return Promise.reject(error);
  }
}

function threadRunInput(input: ExecuteRunInput): ThreadRunInput {
  const { onEpoch, onBatch, onCheckpoint, signal: _signal, ...rest } = input;
  return {
    ...rest,
    callbacks: { epoch: onEpoch !== undefined, batch: onBatch !== undefined, checkpoint: onCheckpoint !== undefined },
  };
}

/** What packages/ml's executeRun throws for a signal aborted before it starts. */
function abortedBefore(signal: AbortSignal): Error {
  const e = new DOMException('the run was aborted', 'AbortError');
  if (signal.reason !== undefined) Object.defineProperty(e, 'cause', { value: signal.reason });
  return e as unknown as Error;
}
