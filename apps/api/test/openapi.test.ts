import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_EXAMPLES, OPERATION_EXAMPLES } from '../src/openapi/operation-examples.ts';
import { buildTestApi, type TestApi } from './helper.ts';

interface Media {
  example?: unknown;
}
type Operation = {
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
};

let api: TestApi;
let paths: Record<string, Record<string, Operation>>;
beforeAll(async () => {
  api = await buildTestApi();
  paths = (await api.request({ method: 'GET', url: '/docs/json', as: null })).json().paths;
});
afterAll(async () => {
  await api?.close();
});

function operations(): [string, Operation][] {
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

describe('the OpenAPI document', () => {
  it('shows an example for every answer with a body and every JSON request body', () => {
    const missing: string[] = [];
    for (const [key, op] of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.example === undefined) missing.push(`${key} ${status} ${type}`);
        }
      }
      const body = op.requestBody?.content['application/json'];
      if (body && body.example === undefined) missing.push(`${key} request body`);
    }
    expect(missing).toEqual([]);
  });

  // A new endpoint fails this until its examples are added to apps/api/src/openapi/operation-examples.ts.
  it('has a success example for every operation', () => {
    const keys = operations().map(([key]) => key);
    expect(keys.filter((k) => OPERATION_EXAMPLES[k] === undefined)).toEqual([]);
    expect(Object.keys(OPERATION_EXAMPLES).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('shows examples that satisfy their schemas', () => {
    const examples = [
      ...Object.entries(OPERATION_EXAMPLES).flatMap(([key, e]) => [
        ...(e.body ? [[`${key} body`, e.body] as const] : []),
        ...Object.entries(e.responses).map(([status, x]) => [`${key} ${status}`, x] as const),
      ]),
      ...Object.entries(ERROR_EXAMPLES).map(([status, x]) => [`error ${status}`, x] as const),
    ];
    for (const [name, { schema, value }] of examples) {
      if (schema === undefined) continue;
      const parsed = schema.safeParse(value);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it('shows the CSV the results endpoints answer', () => {
    const csv = paths['/v1/results']?.get?.responses['200']?.content?.['text/csv']?.example as string;
    expect(csv.split('\r\n')[0]).toMatch(/^group,teacherId,kind,dataset,/);
    expect(csv.split('\r\n')).toHaveLength(4);
  });

  it('lists the answers of the /v1 hooks on every route: 401, 429, 503, and 403 where a role may forbid', () => {
    const statuses = (path: string, method: string) => Object.keys(paths[path]?.[method]?.responses ?? {});
    expect(statuses('/v1/sweeps/{id}', 'get')).toEqual(expect.arrayContaining(['401', '429', '503']));
    expect(statuses('/v1/sweeps/{id}', 'get')).not.toContain('403');
    expect(statuses('/v1/sweeps/{id}/cancel', 'post')).toEqual(expect.arrayContaining(['401', '403', '429']));
    expect(statuses('/v1/keys', 'get')).toEqual(expect.arrayContaining(['403']));
  });
});
