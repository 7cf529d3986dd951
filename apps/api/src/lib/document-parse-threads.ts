import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_DOCUMENT_LIMITS,
  DocumentTooComplexError,
  MAX_YAML_ALIASES,
  MalformedDocumentError,
  YAML_PARSE_OPTIONS,
} from '@distillery/spec';

export interface DocumentParseThreadsOptions {
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
  /**
   * Documents that may wait for a thread; one more is refused at once (ParseThreadsBusyError), so a burst of
   * slow bodies cannot make every later one wait without bound. @defaultValue 64
   */
  maxWaiting?: number;
}

/** Every thread is busy and `maxWaiting` documents already wait: try again shortly. */
export class ParseThreadsBusyError extends Error {
  override readonly name = 'ParseThreadsBusyError';
  readonly code = 'PARSE_THREADS_BUSY';
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

/**
 * The thread's program (CommonJS, evaluated, so the thread needs no TypeScript loader; `yaml` is loaded by
 * path). YAML: the spec's parseYamlBounded, step for step — nesting and aliases are checked on the concrete
 * syntax tree, built without recursion, before the recursive composer sees it. Then, for JSON and YAML alike,
 * the spec's checkDocumentLimits, step for step (same messages), so that a document past the limits never
 * travels back to the event loop. The answer: the value, a malformed document's first error (with its line
 * and a caret under the column, as the spec's yamlCodeFrame draws it), or the limit it passed. Keep both in
 * step with the spec.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Composer, LineCounter, Parser, YAMLParseError } = require(workerData.yamlPath);
const { options, limits, maxAliases } = workerData;
const COLLECTIONS = new Set(['flow-collection', 'block-map', 'block-seq']);
class TooComplex { constructor(limit, detail) { this.limit = limit; this.detail = detail; } }
class Malformed { constructor(detail) { this.detail = detail; } }
function formatPath(path) {
  return path.map((p, i) => {
    const s = String(p);
    if (typeof p === 'number') return '[' + s + ']';
    if (s.includes('.')) return '[' + JSON.stringify(s) + ']';
    return i === 0 ? s : '.' + s;
  }).join('').replace(/^\\./, '');
}
function codeFrame(text, line, col) {
  const width = 80;
  const source = (text.split('\\n')[line - 1] || '').replace(/\\r$/, '');
  const start = col > width - 20 ? col - width / 2 : 1;
  const cut = start > 1 ? '…' : '';
  const gutter = line + ' | ';
  return gutter + cut + source.slice(start - 1, start - 1 + width) + '\\n' +
    ' '.repeat(gutter.length - 2) + '| ' + ' '.repeat(col - start + cut.length) + '^';
}
function parseYaml(text) {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  let aliases = 0;
  const stack = tokens.map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop();
    const level = COLLECTIONS.has(node.type) ? depth + 1 : depth;
    if (level > limits.maxDepth) {
      throw new TooComplex('maxDepth', 'the document is nested deeper than the limit of ' + limits.maxDepth + ' levels');
    }
    if (node.type === 'alias' && ++aliases > maxAliases) {
      throw new TooComplex('maxAliases', 'the document has more than ' + maxAliases + ' aliases');
    }
    if (node.value && typeof node.value === 'object') stack.push({ node: node.value, depth: level });
    for (const item of node.items || []) {
      if (item.key && typeof item.key === 'object') stack.push({ node: item.key, depth: level });
      if (item.value && typeof item.value === 'object') stack.push({ node: item.value, depth: level });
    }
  }
  const docs = Array.from(new Composer(options).compose(tokens, true, text.length));
  const doc = docs[0];
  if (!doc) return null;
  if (docs[1]) doc.errors.push(new YAMLParseError(docs[1].range.slice(0, 2), 'MULTIPLE_DOCS', 'more than one document'));
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    const where = ' at line ' + line + ', column ' + col + ':\\n' + codeFrame(text, line, col);
    throw new Malformed(error.message.split('\\n')[0] + where);
  }
  return doc.toJS(options);
}
function checkLimits(document) {
  const stack = [{ value: document, depth: 0, path: [] }];
  let nodes = 0;
  const tooMany = () => new TooComplex('maxNodes', 'the document has more than ' + limits.maxNodes + ' values');
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop();
    nodes += 1;
    if (nodes > limits.maxNodes) throw tooMany();
    if (typeof value !== 'object' || value === null) continue;
    const where = path.length === 0 ? 'the document' : formatPath(path);
    if (depth + 1 > limits.maxDepth) {
      throw new TooComplex('maxDepth', where + ' is nested deeper than the limit of ' + limits.maxDepth + ' levels');
    }
    if (Array.isArray(value)) {
      if (nodes + stack.length + value.length > limits.maxNodes) throw tooMany();
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) {
      throw new TooComplex('maxKeys', where + ' has ' + keys.length + ' keys, more than the limit of ' + limits.maxKeys);
    }
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: value[keys[i]], depth: depth + 1, path: [...path, keys[i]] });
  }
}
parentPort.on('message', ({ format, text }) => {
  let answer;
  try {
    let value;
    if (format === 'json') {
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new Malformed(e.message);
      }
    } else {
      value = parseYaml(text);
    }
    checkLimits(value);
    answer = { ok: true, value };
  } catch (e) {
    if (e instanceof TooComplex) answer = { ok: false, limit: e.limit, detail: e.detail };
    else if (e instanceof Malformed) answer = { ok: false, detail: e.detail };
    else answer = { ok: false, detail: e instanceof Error ? e.message.split('\\n')[0] : String(e) };
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
 * Parses documents on worker threads under a time and memory budget and checks them against the document
 * limits there, so that no body can hold the event loop: the YAML library's duplicate-key check is quadratic
 * in a mapping's size (100,000 keys took minutes) and other inputs are slower still, and a 1 MiB JSON body
 * of 45,000 keys took ~100 ms to parse and refuse. A stopped thread is replaced on the next parse.
 */
export class DocumentParseThreads {
  readonly options: Required<DocumentParseThreadsOptions>;
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private busy = 0;
  private closed = false;
  private readonly yamlPath = createRequire(import.meta.url).resolve('yaml');

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
    const worker = this.idle.pop() ?? this.spawn();
    let reusable = false;
    try {
      const answer = await this.ask(worker, text, format);
      reusable = true;
      if (!answer.ok && answer.limit) throw new DocumentTooComplexError(answer.limit, answer.detail);
      if (!answer.ok) throw new MalformedDocumentError(format, answer.detail);
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
        limits: DEFAULT_DOCUMENT_LIMITS,
        maxAliases: MAX_YAML_ALIASES,
      },
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    return worker;
  }

  private ask(worker: Worker, text: string, format: 'json' | 'yaml'): Promise<Answer> {
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
      worker.postMessage({ format, text });
    });
  }
}
