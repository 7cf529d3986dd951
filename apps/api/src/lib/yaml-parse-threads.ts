import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_DOCUMENT_LIMITS,
  DocumentTooComplexError,
  MAX_YAML_ALIASES,
  MalformedDocumentError,
  YAML_PARSE_OPTIONS,
} from '@distillery/spec';

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
 * The thread's program (CommonJS, evaluated, so the thread needs no TypeScript loader; `yaml` is loaded by
 * path): the spec's parseYamlBounded, step for step — nesting and aliases are checked on the concrete syntax
 * tree, built without recursion, before the recursive composer sees it — then the answer: the value, a
 * malformed document's first error line, or the limit it passed.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Composer, LineCounter, Parser, YAMLParseError } = require(workerData.yamlPath);
const { options, maxDepth, maxAliases } = workerData;
const COLLECTIONS = new Set(['flow-collection', 'block-map', 'block-seq']);
function parse(text) {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  let aliases = 0;
  const stack = tokens.map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop();
    const level = COLLECTIONS.has(node.type) ? depth + 1 : depth;
    if (level > maxDepth) {
      return { ok: false, limit: 'maxDepth', detail: 'the document is nested deeper than the limit of ' + maxDepth + ' levels' };
    }
    if (node.type === 'alias' && ++aliases > maxAliases) {
      return { ok: false, limit: 'maxAliases', detail: 'the document has more than ' + maxAliases + ' aliases' };
    }
    if (node.value && typeof node.value === 'object') stack.push({ node: node.value, depth: level });
    for (const item of node.items || []) {
      if (item.key && typeof item.key === 'object') stack.push({ node: item.key, depth: level });
      if (item.value && typeof item.value === 'object') stack.push({ node: item.value, depth: level });
    }
  }
  const docs = Array.from(new Composer(options).compose(tokens, true, text.length));
  const doc = docs[0];
  if (!doc) return { ok: true, value: null };
  if (docs[1]) doc.errors.push(new YAMLParseError(docs[1].range.slice(0, 2), 'MULTIPLE_DOCS', 'more than one document'));
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    return { ok: false, detail: error.message.split('\\n')[0] + ' at line ' + line + ', column ' + col };
  }
  return { ok: true, value: doc.toJS(options) };
}
parentPort.on('message', (text) => {
  let answer;
  try {
    answer = parse(text);
  } catch (e) {
    answer = { ok: false, detail: e instanceof Error ? e.message.split('\\n')[0] : String(e) };
  }
  try {
    parentPort.postMessage(answer);
  } catch {
    parentPort.postMessage({ ok: false, detail: 'the document holds values that are not plain data' });
  }
});
`;

type Answer = { ok: true; value: unknown } | { ok: false; detail: string; limit?: 'maxDepth' | 'maxAliases' };

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
      if (!answer.ok && answer.limit) throw new DocumentTooComplexError(answer.limit, answer.detail);
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
      workerData: {
        yamlPath: this.yamlPath,
        options: YAML_PARSE_OPTIONS,
        maxDepth: DEFAULT_DOCUMENT_LIMITS.maxDepth,
        maxAliases: MAX_YAML_ALIASES,
      },
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
