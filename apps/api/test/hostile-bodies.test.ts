import { describe, expect, it } from 'vitest';
import { quickstart, useTestApi } from './helper.ts';

const api = useTestApi();

/** The slowest `/healthz` answer while `work` is in flight: what the event loop gives everyone else meanwhile. */
async function healthzWorstMsDuring<T>(work: Promise<T>): Promise<{ result: T; worstMs: number }> {
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  let worstMs = 0;
  while (!done) {
    const started = performance.now();
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    worstMs = Math.max(worstMs, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { result: await finished, worstMs };
}

const post = (url: string, payload: string, contentType: string) =>
  api.request({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

/** 100,000 one-line keys, ~1 MB: the YAML library compares each new key with every earlier one. */
const MANY_KEYS_YAML = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n');
/** A run of 300,000 tags in front of a scalar: ~1 MB that kept the YAML library busy for minutes. */
const MANY_TAGS_YAML = `a: ${'!x '.repeat(300_000)}1`;
/** Bound on `/healthz` while a hostile body is refused; generous for a loaded CI machine (was minutes). */
const HEALTHZ_BOUND_MS = 250;

describe('a hostile YAML body', () => {
  for (const [name, yaml] of [
    ['100,000 keys in one mapping', MANY_KEYS_YAML],
    ['a run of 300,000 tags', MANY_TAGS_YAML],
  ] as const) {
    it(`with ${name} is refused with 400 while /healthz keeps answering`, async () => {
      const started = performance.now();
      const { result: res, worstMs } = await healthzWorstMsDuring(
        post('/v1/sweeps?dryRun=true', yaml, 'application/yaml'),
      );
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('DOCUMENT_TOO_COMPLEX');
      expect(performance.now() - started).toBeLessThan(5000);
      expect(worstMs).toBeLessThan(HEALTHZ_BOUND_MS);
    });
  }

  it('is refused at POST /v1/keys as fast as at /v1/sweeps', async () => {
    const started = performance.now();
    const res = await post('/v1/keys', MANY_KEYS_YAML, 'application/yaml');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('DOCUMENT_TOO_COMPLEX');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('nested 5,000 flow levels deep is refused every time, and the server lives on', async () => {
    // The YAML library overflowed its stack on this, and the next such parse aborted the process.
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (let i = 0; i < 3; i++) {
      const res = await post('/v1/sweeps?dryRun=true', deep, 'application/yaml');
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toEqual({
        code: 'DOCUMENT_TOO_COMPLEX',
        message: 'the document is nested deeper than the limit of 32 levels',
      });
    }
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('that is small and valid still parses (the thread is reused after a refusal)', async () => {
    const yaml = JSON.stringify(quickstart());
    const res = await post('/v1/sweeps?dryRun=true', yaml, 'application/yaml');
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('a JSON body larger than 64 KiB (parsed on a thread)', () => {
  it('is accepted when valid, and refused naming the JSON error when malformed', async () => {
    const valid = `${JSON.stringify(quickstart())}${' '.repeat(70_000)}`;
    expect((await post('/v1/sweeps?dryRun=true', valid, 'application/json')).statusCode).toBe(200);
    const res = await post('/v1/sweeps?dryRun=true', `${' '.repeat(70_000)}{"name": `, 'application/json');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'MALFORMED_BODY',
      message: expect.stringMatching(/^malformed JSON: /),
    });
  });
});

describe('a hostile JSON body', () => {
  it('with a grid value nested 5,000 deep is a 400 naming the depth limit, not a stack overflow', async () => {
    const spec = quickstart();
    const students = spec.students as Record<string, unknown>;
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const text = JSON.stringify({ ...spec, students: { ...students, grid: { 'model.hidden': ['DEEP'] } } }).replace(
      '"DEEP"',
      deep,
    );
    const res = await post('/v1/sweeps?dryRun=true', text, 'application/json');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'DOCUMENT_TOO_COMPLEX',
      message: expect.stringMatching(/nested deeper than the limit of 32 levels/),
    });
  });

  it('with a grid of 45,000 keys is refused at once, naming the mapping and the limit', async () => {
    const spec = quickstart();
    const grid = Object.fromEntries(Array.from({ length: 45_000 }, (_, i) => [`model.k${i}`, [1]]));
    const text = JSON.stringify({ ...spec, students: { ...(spec.students as object), grid } });
    const started = performance.now();
    const { result: res, worstMs } = await healthzWorstMsDuring(
      post('/v1/sweeps?dryRun=true', text, 'application/json'),
    );
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toBe('students.grid has 45000 keys, more than the limit of 256');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(worstMs).toBeLessThan(HEALTHZ_BOUND_MS);
  });
});
