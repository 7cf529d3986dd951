import { DocumentTooComplexError, MalformedDocumentError } from '@distillery/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { DocumentParseThreads, ParseThreadsBusyError } from '../src/lib/document-parse-threads.ts';
import { buildTestApi } from './helper.ts';

/** ~1 MB that kept the YAML library busy for minutes: every parse of it runs out of its budget. */
const SLOW_YAML = `a: ${'!x '.repeat(300_000)}1`;

describe('DocumentParseThreads', () => {
  const threads = new DocumentParseThreads({ threads: 1, maxWaiting: 1, timeoutMs: 300 });
  afterAll(() => threads.close());

  it('parses JSON and YAML and refuses what breaks the document limits, with the spec’s messages', async () => {
    expect(await threads.parse('{"a": [1, 2]}', 'json')).toEqual({ a: [1, 2] });
    expect(await threads.parse('a: [1, {b: c}]', 'yaml')).toEqual({ a: [1, { b: 'c' }] });
    await expect(threads.parse('{"a": ', 'json')).rejects.toThrow(MalformedDocumentError);
    const keys = `{"grid": {${Array.from({ length: 300 }, (_, i) => `"k${i}": 1`).join(',')}}}`;
    await expect(threads.parse(keys, 'json')).rejects.toThrow('grid has 300 keys, more than the limit of 256');
    await expect(threads.parse(`${'['.repeat(40)}${']'.repeat(40)}`, 'yaml')).rejects.toThrow(DocumentTooComplexError);
  });

  it('stops a parse at its budget, and refuses at once a document past the waiting line', async () => {
    const first = threads.parse(SLOW_YAML, 'yaml');
    const second = threads.parse(SLOW_YAML, 'yaml');
    await expect(threads.parse('a: 1', 'yaml')).rejects.toThrow(ParseThreadsBusyError);
    await expect(first).rejects.toThrow('the document took longer than 300 ms to parse');
    await expect(second).rejects.toThrow(DocumentTooComplexError);
    expect(await threads.parse('a: 1', 'yaml')).toEqual({ a: 1 });
  });

  it('outlives a thread that fails after its answer (out of memory while idle) and parses on a fresh one', async () => {
    expect(await threads.parse('a: 1', 'yaml')).toEqual({ a: 1 });
    // The failure the runtime reports for a thread past its heap limit, on the thread now idle. Without a listener
    // for the thread's whole life this event is thrown in the test's (the server's) own thread.
    const [idle] = threads['idle'];
    expect(idle).toBeDefined();
    idle?.emit(
      'error',
      Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), {
        code: 'ERR_WORKER_OUT_OF_MEMORY',
      }),
    );
    expect(threads['idle']).not.toContain(idle);
    expect(await threads.parse('b: 2', 'yaml')).toEqual({ b: 2 });
  });
});

describe('POST /v1/sweeps when every parsing thread is busy and the line is full', () => {
  it('answers 503 PARSER_BUSY with retry-after', async () => {
    const api = await buildTestApi({ documentParse: { threads: 1, maxWaiting: 1, timeoutMs: 500 } });
    try {
      const post = () =>
        api.request({
          method: 'POST',
          url: '/v1/sweeps?dryRun=true',
          headers: { 'content-type': 'application/yaml' },
          payload: SLOW_YAML,
        });
      const answers = await Promise.all([post(), post(), post()]);
      const busy = answers.filter((r) => r.statusCode === 503);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([400, 400, 503]);
      expect(busy[0]?.headers['retry-after']).toBe('1');
      expect(busy[0]?.json().error.code).toBe('PARSER_BUSY');
    } finally {
      await api.close();
    }
  });
});
