import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { codedError } from '@distillery/db';
import { DocumentTooComplexError, MalformedDocumentError } from '@distillery/spec';
import { build } from 'esbuild';
import type { ParseThreadMessage, ParseThreadRequest } from './parse-document-thread.ts';

export interface DocumentParseThreadsOptions {
  /**
   * Wall-clock budget of one document's parse, in milliseconds; a parse that takes longer is stopped (its
   * thread terminated) and the body refused. Sweep files parse in a few milliseconds. A thread's start (evaluating
   * the parser) is not part of it.
   * @defaultValue 1000
   */
  timeoutMs?: number;
  /** Documents parsed at once; further ones wait for a free thread. @defaultValue 2 */
  threads?: number;
  /** Heap of each parsing thread, in MiB; a document that needs more is refused. @defaultValue 128 */
  heapMb?: number;
  /**
   * Documents that may wait for a thread; one more is refused at once (ParseThreadsBusyError), so a burst of
   * slow bodies cannot make every later one wait without bound. @defaultValue 64
   */
  maxWaiting?: number;
}

/** Every thread is busy and `maxWaiting` documents already wait: try again shortly. */
export class ParseThreadsBusyError extends codedError('PARSE_THREADS_BUSY') {
  constructor(readonly waiting: number) {
    super(`${waiting} documents are already waiting to be parsed`);
  }
}

export const DEFAULT_DOCUMENT_PARSE_THREADS = {
  timeoutMs: 1000,
  threads: 2,
  heapMb: 128,
  maxWaiting: 64,
} as const satisfies Required<DocumentParseThreadsOptions>;

type Answer = Exclude<ParseThreadMessage, { ready: true }>;

let program: Promise<string> | undefined;

/**
 * The parsing threads' program: parse-document-thread.ts and what it imports (the spec's parser, `yaml`)
 * bundled once per process into one CommonJS text, which each thread evaluates. A worker thread does not share
 * its parent's TypeScript loader; registering tsx in every thread made each start take 0.3–0.6 s (its module
 * hooks run on a thread of their own), and a thread stopped at its budget is started again, so under a burst of
 * slow bodies the refusals took twice as long. Bundled, a thread starts as fast as plain JavaScript.
 */
function threadProgram(): Promise<string> {
  program ??= build({
    entryPoints: [fileURLToPath(new URL('./parse-document-thread.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return program;
}

/**
 * Parses documents on worker threads under a time and memory budget and checks them against the document
 * limits there, so that no body can hold the event loop: the YAML library's duplicate-key check is quadratic
 * in a mapping's size (100,000 keys took minutes) and other inputs are slower still, and a 1 MiB JSON body
 * of 45,000 keys took ~100 ms to parse and refuse. Each thread runs the spec's parseDocument itself
 * (parse-document-thread.ts). Threads start on the first parse that finds none idle; a stopped thread is
 * replaced on the next parse.
 */
export class DocumentParseThreads {
  readonly options: Required<DocumentParseThreadsOptions>;
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private busy = 0;
  private closed = false;

  constructor(options: DocumentParseThreadsOptions = {}) {
    this.options = { ...DEFAULT_DOCUMENT_PARSE_THREADS, ...options };
    for (const name of ['timeoutMs', 'threads', 'heapMb', 'maxWaiting'] as const) {
      const value = this.options[name];
      if (!Number.isSafeInteger(value) || value < (name === 'maxWaiting' ? 0 : 1)) {
        throw new RangeError(`DocumentParseThreadsOptions.${name} must be a non-negative integer, got ${value}`);
      }
    }
  }

  /**
   * The document's value; MalformedDocumentError if malformed, DocumentTooComplexError past a limit or the
   * budget, ParseThreadsBusyError when too many documents already wait.
   */
  async parse(text: string, format: 'json' | 'yaml'): Promise<unknown> {
    while (this.busy >= this.options.threads && !this.closed) {
      if (this.waiting.length >= this.options.maxWaiting) throw new ParseThreadsBusyError(this.waiting.length);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    if (this.closed) throw new Error('DocumentParseThreads is closed');
    this.busy += 1;
    let worker: Worker | undefined;
    let reusable = false;
    try {
      worker = this.idle.pop() ?? (await this.spawn());
      const answer = await this.ask(worker, { text, format });
      reusable = true;
      if (!answer.ok && answer.limit) throw new DocumentTooComplexError(answer.limit, answer.detail);
      if (!answer.ok) throw new MalformedDocumentError(format, answer.detail);
      return answer.value;
    } finally {
      if (worker !== undefined && reusable && !this.closed) this.idle.push(worker);
      else void worker?.terminate();
      this.busy -= 1;
      this.waiting.shift()?.();
    }
  }

  /** Stops every idle thread; a parse in progress finishes and then stops its own. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Forgets a thread that failed, so no later parse is given it. */
  private discard(worker: Worker): void {
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    void worker.terminate();
  }

  /** A new thread, once it has loaded its program (or the error that stopped it). */
  private async spawn(): Promise<Worker> {
    const worker = new Worker(await threadProgram(), {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    // A thread can still fail after its request was settled: run out of memory while being terminated after a
    // timeout, or while idle. An 'error' event nobody listens to is thrown in the server's own thread and ends the
    // process, so every thread keeps a listener for its whole life; a failed thread is never handed out again.
    worker.on('error', () => this.discard(worker));
    return new Promise<Worker>((resolve, reject) => {
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = () => {
        done();
        resolve(worker);
      };
      const onError = (err: Error) => {
        done();
        void worker.terminate();
        reject(err);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the document parsing thread exited with code ${code} while starting`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  private ask(worker: Worker, request: ParseThreadRequest): Promise<Answer> {
    const { timeoutMs, heapMb } = this.options;
    return new Promise<Answer>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (answer: Answer) => {
        done();
        resolve(answer);
      };
      const onError = (err: Error & { code?: string }) => {
        done();
        if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          reject(new DocumentTooComplexError('parseBudget', `the document needs more than ${heapMb} MiB to parse`));
        } else {
          reject(err);
        }
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the document parsing thread exited with code ${code}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new DocumentTooComplexError('parseBudget', `the document took longer than ${timeoutMs} ms to parse`));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });
  }
}
