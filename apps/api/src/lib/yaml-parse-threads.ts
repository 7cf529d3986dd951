import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DocumentTooComplexError, MalformedDocumentError, YAML_PARSE_OPTIONS } from '@distillery/spec';

export interface YamlParseThreadsOptions {
  /**
   * Wall-clock budget of one document's parse, in milliseconds; a parse that takes longer is stopped (its
   * thread terminated) and the body refused. Sweep files parse in a few milliseconds.
   * @defaultValue 1000
   */
  timeoutMs?: number;
  /** Documents parsed at once; further ones wait for a free thread. @defaultValue 2 */
  threads?: number;
  /** Heap of each parsing thread, in MiB; a document that needs more is refused. @defaultValue 128 */
  heapMb?: number;
}

export const DEFAULT_YAML_PARSE_THREADS = {
  timeoutMs: 1000,
  threads: 2,
  heapMb: 128,
} as const satisfies Required<YamlParseThreadsOptions>;

/**
 * The thread's program (CommonJS, evaluated): parse each message with the spec's YAML options and answer with
 * the value or the error's first line. `yaml` is loaded by path, so the thread needs no TypeScript loader.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const YAML = require(workerData.yamlPath);
parentPort.on('message', (text) => {
  let answer;
  try {
    answer = { ok: true, value: YAML.parse(text, workerData.options) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    answer = { ok: false, detail: e instanceof YAML.YAMLParseError ? message.split('\\n')[0] : message };
  }
  try {
    parentPort.postMessage(answer);
  } catch (e) {
    parentPort.postMessage({ ok: false, detail: 'the document holds values that are not plain data' });
  }
});
`;

type Answer = { ok: true; value: unknown } | { ok: false; detail: string };

/**
 * Parses YAML on worker threads under a time and memory budget, so that no document can hold the event loop:
 * the YAML library's duplicate-key check is quadratic in a mapping's size (100,000 keys took minutes), and
 * other inputs are slower still. A stopped thread is replaced on the next parse.
 */
export class YamlParseThreads {
  readonly options: Required<YamlParseThreadsOptions>;
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private busy = 0;
  private closed = false;
  private readonly yamlPath = createRequire(import.meta.url).resolve('yaml');

  constructor(options: YamlParseThreadsOptions = {}) {
    this.options = { ...DEFAULT_YAML_PARSE_THREADS, ...options };
    for (const name of ['timeoutMs', 'threads', 'heapMb'] as const) {
      const value = this.options[name];
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`YamlParseThreadsOptions.${name} must be a positive integer, got ${value}`);
      }
    }
  }

  /** The document's value; MalformedDocumentError for bad YAML, DocumentTooComplexError past the budget. */
  async parse(text: string): Promise<unknown> {
    if (this.closed) throw new Error('YamlParseThreads is closed');
    while (this.busy >= this.options.threads) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy += 1;
    const worker = this.idle.pop() ?? this.spawn();
    let reusable = false;
    try {
      const answer = await this.ask(worker, text);
      reusable = true;
      if (!answer.ok) throw new MalformedDocumentError('yaml', answer.detail);
      return answer.value;
    } finally {
      if (reusable && !this.closed) this.idle.push(worker);
      else void worker.terminate();
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

  private spawn(): Worker {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { yamlPath: this.yamlPath, options: YAML_PARSE_OPTIONS },
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    return worker;
  }

  private ask(worker: Worker, text: string): Promise<Answer> {
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
          reject(
            new DocumentTooComplexError('parseBudget', `the YAML document needs more than ${heapMb} MiB to parse`),
          );
        } else {
          reject(err);
        }
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the YAML parsing thread exited with code ${code}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new DocumentTooComplexError('parseBudget', `the YAML document took longer than ${timeoutMs} ms to parse`),
        );
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(text);
    });
  }
}
